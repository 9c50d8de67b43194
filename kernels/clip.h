/* Border clipping shared by the optimised kernels (the reference keeps its own loops, so that
 * validation does not share this code with what it checks). */
#ifndef CNB_KERNELS_CLIP_H
#define CNB_KERNELS_CLIP_H

/* Along one axis, the kernel taps [*lo, *lo + *n) of output o that read inside the input
 * [0, in): tap t reads input o·s − p + t·(dil + 1), for t in [0, k). When none does, *n = 0 and
 * *lo ≤ k. The dense case (dil = 0) needs no division. */
static inline void cnb_clip_taps(int o, int s, int p, int dil, int k, int in, int *lo, int *n)
{
    const int start = o * s - p, step = dil + 1;
    int l, h; /* taps [l, h) */
    if (step == 1) {
        l = start >= 0 ? 0 : -start;
        h = in - start;
    } else {
        l = start >= 0 ? 0 : (-start + step - 1) / step;
        h = in - 1 - start < 0 ? 0 : (in - 1 - start) / step + 1;
    }
    if (h > k) h = k;
    if (h < 0) h = 0;
    if (l > h) l = h;
    *lo = l;
    *n = h - l;
}

#endif
