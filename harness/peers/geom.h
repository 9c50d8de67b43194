/* The geometry of a convolution or pooling in oneDNN's terms, shared by the adapters of both
 * oneDNN generations (onednn.c for Debian's 2.x, onednn3.c for 3.x): spatial sizes in oneDNN's
 * order (depth, height, width), 2 or 3 of them, dilation in oneDNN's convention (0 = none, as
 * ours). A problem is 2D when it has no depth at all (size 1 in and out, kernel 1, no depth
 * padding).
 * oneDNN rejects a right padding of -stride or less (the last input rows are never read): there
 * the input is cropped to the rows that are read (in = full_in + pr, pr = 0), which changes no
 * output, and the user src is described as a view of the full tensor (`cropped`). */
#ifndef CNB_HARNESS_PEERS_GEOM_H
#define CNB_HARNESS_PEERS_GEOM_H

#include <stdint.h>

#include "kernels/problem.h"

/* oneDNN's dims arrays (dnnl_dims_t) hold DNNL_MAX_NDIMS = 12 entries; its functions take them
 * whole, so ours are as long. */
enum { CNB_PEER_DIMS = 12 };
typedef struct {
    int nsp, cropped;
    int64_t in[CNB_PEER_DIMS], full_in[CNB_PEER_DIMS], out[CNB_PEER_DIMS], k[CNB_PEER_DIMS];
    int64_t s[CNB_PEER_DIMS], d[CNB_PEER_DIMS], pl[CNB_PEER_DIMS], pr[CNB_PEER_DIMS];
} cnb_peer_geom;

static inline void cnb_peer_geom_set(cnb_peer_geom *g, const int in[3], const int out[3],
                                     const int k[3], const int s[3], const int d[3],
                                     const int pl[3], const int pr[3])
{
    const int flat = in[0] == 1 && out[0] == 1 && k[0] == 1 && pl[0] == 0 && pr[0] == 0;
    g->nsp = flat ? 2 : 3;
    g->cropped = 0;
    const int skip = flat ? 1 : 0;
    for (int i = 0; i < g->nsp; i++) {
        g->in[i] = in[i + skip];
        g->out[i] = out[i + skip];
        g->k[i] = k[i + skip];
        g->s[i] = s[i + skip];
        g->d[i] = d[i + skip];
        g->pl[i] = pl[i + skip];
        g->pr[i] = pr[i + skip];
        g->full_in[i] = g->in[i];
        if (g->pr[i] + g->s[i] <= 0) {
            g->in[i] += g->pr[i];
            g->pr[i] = 0;
            g->cropped = 1;
        }
    }
}

static inline void cnb_peer_geom_conv(const cnb_conv *c, cnb_peer_geom *g)
{
    const int in[3] = {c->id, c->ih, c->iw}, out[3] = {c->od, c->oh, c->ow};
    const int k[3] = {c->kd, c->kh, c->kw}, s[3] = {c->sd, c->sh, c->sw};
    const int d[3] = {c->dd, c->dh, c->dw}, pl[3] = {c->pd, c->ph, c->pw};
    const int pr[3] = {c->pd_r, c->ph_r, c->pw_r};
    cnb_peer_geom_set(g, in, out, k, s, d, pl, pr);
}

static inline void cnb_peer_geom_pool(const cnb_pool *p, cnb_peer_geom *g)
{
    const int in[3] = {p->id, p->ih, p->iw}, out[3] = {p->od, p->oh, p->ow};
    const int k[3] = {p->kd, p->kh, p->kw}, s[3] = {p->sd, p->sh, p->sw};
    const int d[3] = {p->dd, p->dh, p->dw}, pl[3] = {p->pd, p->ph, p->pw};
    const int pr[3] = {p->pd_r, p->ph_r, p->pw_r};
    cnb_peer_geom_set(g, in, out, k, s, d, pl, pr);
}

/* NC[D]HW strides of the user's src when g is cropped: the view of the full tensor that oneDNN
 * reads. dims gets N, C and the cropped spatial sizes. */
static inline void cnb_peer_geom_user_src(const cnb_peer_geom *g, int n, int c, int64_t dims[CNB_PEER_DIMS],
                                          int64_t strides[CNB_PEER_DIMS])
{
    int64_t stride = 1;
    dims[0] = n;
    dims[1] = c;
    for (int i = g->nsp - 1; i >= 0; i--) {
        dims[2 + i] = g->in[i];
        strides[2 + i] = stride;
        stride *= g->full_in[i];
    }
    strides[1] = stride;
    strides[0] = stride * c;
}

#endif
