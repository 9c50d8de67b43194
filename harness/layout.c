/* NCX ↔ nCx{4,8,16}c conversions (harness/layout.h). */
#include <string.h>

#include "harness/layout.h"

size_t cnb_layout_elems(int mb, int c, int64_t spatial, int block)
{
    const int cb = (c + block - 1) / block;
    return (size_t)mb * cb * block * spatial;
}

void cnb_to_blocked(const float *src, float *dst, int mb, int c, int64_t spatial, int block)
{
    if (block == 1) {
        memcpy(dst, src, (size_t)mb * c * spatial * sizeof *dst);
        return;
    }
    const int cb = (c + block - 1) / block;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < mb; n++)
        for (int b = 0; b < cb; b++) {
            float *d = dst + ((size_t)n * cb + b) * spatial * block;
            for (int64_t x = 0; x < spatial; x++)
                for (int j = 0; j < block; j++) {
                    const int ch = b * block + j;
                    d[x * block + j] = ch < c ? src[((size_t)n * c + ch) * spatial + x] : 0.0f;
                }
        }
}

void cnb_from_blocked(const float *src, float *dst, int mb, int c, int64_t spatial, int block)
{
    if (block == 1) {
        memcpy(dst, src, (size_t)mb * c * spatial * sizeof *dst);
        return;
    }
    const int cb = (c + block - 1) / block;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < mb; n++)
        for (int ch = 0; ch < c; ch++) {
            const float *s = src + ((size_t)n * cb + ch / block) * spatial * block + ch % block;
            float *d = dst + ((size_t)n * c + ch) * spatial;
            for (int64_t x = 0; x < spatial; x++) d[x] = s[x * block];
        }
}
