/* NCX ↔ nCx{4,8,16}c conversions (harness/layout.h). */
#include <string.h>

#include "harness/layout.h"

size_t cnb_layout_elems(int mb, int c, int64_t spatial, int block)
{
    const int cb = (c + block - 1) / block;
    return (size_t)mb * cb * block * spatial;
}

/* One loop per element size, so that each copies whole elements (the compiler sees a fixed-size
 * copy); the index formula is the same for every type. */
#define TO_BLOCKED(T)                                                                             \
    do {                                                                                          \
        const T *s_ = src;                                                                        \
        T *d_ = dst;                                                                              \
        _Pragma("omp parallel for collapse(2) schedule(static)")                                  \
        for (int n = 0; n < mb; n++)                                                              \
            for (int b = 0; b < cb; b++) {                                                        \
                T *d = d_ + ((size_t)n * cb + b) * spatial * block;                               \
                for (int64_t x = 0; x < spatial; x++)                                             \
                    for (int j = 0; j < block; j++) {                                             \
                        const int ch = b * block + j;                                             \
                        d[x * block + j] = ch < c ? s_[((size_t)n * c + ch) * spatial + x] : 0;   \
                    }                                                                             \
            }                                                                                     \
    } while (0)

#define FROM_BLOCKED(T)                                                                           \
    do {                                                                                          \
        const T *s_ = src;                                                                        \
        T *d_ = dst;                                                                              \
        _Pragma("omp parallel for collapse(2) schedule(static)")                                  \
        for (int n = 0; n < mb; n++)                                                              \
            for (int ch = 0; ch < c; ch++) {                                                      \
                const T *s = s_ + ((size_t)n * cb + ch / block) * spatial * block + ch % block;   \
                T *d = d_ + ((size_t)n * c + ch) * spatial;                                       \
                for (int64_t x = 0; x < spatial; x++) d[x] = s[x * block];                        \
            }                                                                                     \
    } while (0)

void cnb_to_blocked(const void *src, void *dst, int mb, int c, int64_t spatial, int block,
                    int esize)
{
    if (block == 1) {
        memcpy(dst, src, (size_t)mb * c * spatial * esize);
        return;
    }
    const int cb = (c + block - 1) / block;
    if (esize == 1) TO_BLOCKED(uint8_t);
    else if (esize == 2) TO_BLOCKED(uint16_t);
    else TO_BLOCKED(uint32_t);   /* f32 and s32: the bit patterns (0 is +0.0f) */
}

void cnb_from_blocked(const void *src, void *dst, int mb, int c, int64_t spatial, int block,
                      int esize)
{
    if (block == 1) {
        memcpy(dst, src, (size_t)mb * c * spatial * esize);
        return;
    }
    const int cb = (c + block - 1) / block;
    if (esize == 1) FROM_BLOCKED(uint8_t);
    else if (esize == 2) FROM_BLOCKED(uint16_t);
    else FROM_BLOCKED(uint32_t);
}
