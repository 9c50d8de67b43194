/* The registry: every implementation compiled into this binary, built from the X-macro lists of
 * each op (kernels/<op>/list.inc), the peers and the reference. Adding a kernel is one line in its
 * op's list. */
#include <stdio.h>
#include <string.h>

#include "kernels/impl.h"

#define CNB_IMPL(sym) extern const cnb_impl sym;
#include "kernels/gemm/list.inc"
#include "kernels/conv/list.inc"
#include "kernels/pool/list.inc"
#include "harness/peers/list.inc"
#include "harness/list.inc"
#undef CNB_IMPL

const cnb_impl *const cnb_impls[] = {
#define CNB_IMPL(sym) &sym,
#include "kernels/gemm/list.inc"
#include "kernels/conv/list.inc"
#include "kernels/pool/list.inc"
#include "harness/peers/list.inc"
#include "harness/list.inc"
#undef CNB_IMPL
    NULL,
};

const cnb_impl *cnb_impl_find(const char *name)
{
    for (int i = 0; cnb_impls[i]; i++)
        if (strcmp(cnb_impls[i]->name, name) == 0) return cnb_impls[i];
    return NULL;
}

const char *cnb_impl_supports(const cnb_impl *impl, const cnb_problem *p)
{
    static _Thread_local char why[96];
    const int cfg = cnb_dt_config_of(&p->dt);
    const unsigned mask = impl->dt_mask | CNB_DTM(CNB_DTC_F32) * !impl->dt_mask;
    if (cfg < 0 || !(mask & CNB_DTM(cfg))) {
        snprintf(why, sizeof why, "data types %s:%s:%s", cnb_dt_name(p->dt.src),
                 cnb_dt_name(p->dt.wei), cnb_dt_name(p->dt.dst));
        return why;
    }
    return impl->supports ? impl->supports(p) : NULL;
}

int cnb_impl_runnable(const cnb_impl *impl, const char **why)
{
    return cnb_isa_usable(impl->isa, why);
}

int cnb_layout_block(cnb_layout l)
{
    static const int block[CNB_LAYOUT_COUNT] = {1, 4, 8, 16, 32, 64};
    return block[l];
}

const char *cnb_layout_name(cnb_layout l)
{
    static const char *const name[CNB_LAYOUT_COUNT] = {"ncx", "nCx4c", "nCx8c", "nCx16c", "nCx32c", "nCx64c"};
    return name[l];
}
