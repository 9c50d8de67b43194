/* One K step of the 2 × 2 C tile arrangement of the AMX convolutions (conv/amx_direct,
 * conv/amx_fewic): tmm0..3 hold C, A tile a × B tile b in tmm 2a + b; tmm4/5 take the A tiles
 * (16 pixels' rows, `as` bytes apart), tmm6/7 the B tiles (`bs` bytes apart); a second A or B
 * tile only when na or nb is 2. na, nb and bf (bf16 pairs, else u8 × s8 quads) are constants at
 * every call, so the tests fold away. The tile configuration is the caller's
 * (kernels/amx_config.h). */
#ifndef CNB_KERNELS_CONV_AMX_STEP_H
#define CNB_KERNELS_CONV_AMX_STEP_H

#include <immintrin.h>
#include <stddef.h>

static inline __attribute__((always_inline)) void cnb_amx_step_2x2(const int na, const int nb, const int bf,
                                                                   const void *a0, const void *a1,
                                                                   size_t as, const void *b0,
                                                                   const void *b1, size_t bs)
{
    _tile_loadd(4, a0, as);
    if (na == 2) _tile_loadd(5, a1, as);
    _tile_loadd(6, b0, bs);
    if (nb == 2) _tile_loadd(7, b1, bs);
    if (bf) {
        _tile_dpbf16ps(0, 4, 6);
        if (nb == 2) _tile_dpbf16ps(1, 4, 7);
        if (na == 2) _tile_dpbf16ps(2, 5, 6);
        if (na == 2 && nb == 2) _tile_dpbf16ps(3, 5, 7);
    } else {
        _tile_dpbusd(0, 4, 6);
        if (nb == 2) _tile_dpbusd(1, 4, 7);
        if (na == 2) _tile_dpbusd(2, 5, 6);
        if (na == 2 && nb == 2) _tile_dpbusd(3, 5, 7);
    }
}

#endif
