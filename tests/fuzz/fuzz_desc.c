/* libFuzzer target: one descriptor line through cnb_layer_parse, with and without a batch override;
 * whatever parses must format to a descriptor that parses again to the same problem. */
#include <stdlib.h>
#include <string.h>

#include "harness/desc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;   /* the table reader hands over lines of at most 1 KiB */
    char text[4097], err[512];
    memcpy(text, data, size);
    text[size] = 0;
    for (int mb = 0; mb <= 3; mb += 3) {
        cnb_layer l;
        if (cnb_layer_parse(text, CNB_KIND_CONV, mb, &l, err, sizeof err)) continue;
        (void)cnb_layer_flops_dense(&l);
        (void)cnb_layer_flops_benchdnn(&l);
        (void)cnb_layer_bytes(&l);
        char canon[2 * CNB_DESC_MAX];
        cnb_layer_format(&l, canon, sizeof canon);
        cnb_layer again;
        if (cnb_layer_parse(canon, CNB_KIND_CONV, 0, &again, err, sizeof err) ||
            memcmp(&again.prob, &l.prob, sizeof l.prob) != 0)
            abort();   /* the canonical form must describe the same problem */
    }
    return 0;
}
