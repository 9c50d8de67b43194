/* Pooling micro-kernels for NEON (aarch64) on nC[D]HW4c: pool/neon_window, in f32, bf16, u8, s8.
 * Contract: kernels/pool/ukernel.h (one q register = one pixel of a 4-channel block in float or
 * int32 lanes; u8/s8 max: 4 bytes, repeated across the register); no channel tail: the layout
 * pads channels to 4 with zeros. The body is kernels/pool/body.h; this file gives it the
 * blocking table and the vector layer. */
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

/* Blocking table: channel block (one q register), pixels per group (any window; small dense
 * windows), vector registers. */
enum { CB = 4, PX = 8, PX_C = 8, NREG = 32 };

typedef float32x4_t vec;
static inline vec v_set1(float x) { return vdupq_n_f32(x); }
static inline vec v_load(const float *p) { return vld1q_f32(p); }
static inline void v_store(float *p, vec v) { vst1q_f32(p, v); }
/* FMAXNM ignores a quiet-NaN operand: acc, as the reference keeps it. */
static inline vec v_max(vec tap, vec acc) { return vmaxnmq_f32(acc, tap); }
static inline vec v_add(vec a, vec b) { return vaddq_f32(a, b); }
static inline vec v_div(vec a, vec b) { return vdivq_f32(a, b); }

/* Typed hooks. bf16 is the high half of a float: widened by a shift. The 4-byte pixels of u8/s8
 * go through a 32-bit scalar (memcpy: the pointers are only byte-aligned). */
static inline uint32x4_t v_bits(vec v) { return vreinterpretq_u32_f32(v); }
static inline vec v_load_bf16(const uint16_t *p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
static inline void v_store_bf16(uint16_t *p, vec v) { vst1_u16(p, vshrn_n_u32(v_bits(v), 16)); }
/* Round to nearest even at bit 16: add 0x7fff plus the lowest kept bit, then truncate (finite
 * values; a NaN's payload could carry into the exponent, and exact mode has none). */
static inline void v_store_bf16_rne(uint16_t *p, vec v)
{
    const uint32x4_t x = v_bits(v);
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(x, 16), vdupq_n_u32(1));
    vst1_u16(p, vshrn_n_u32(vaddq_u32(x, vaddq_u32(odd, vdupq_n_u32(0x7fff))), 16));
}
static inline uint8x8_t load4(const void *p)
{
    uint32_t w;
    memcpy(&w, p, 4);
    return vreinterpret_u8_u32(vdup_n_u32(w));
}
static inline void store4(void *p, uint8x8_t x)
{
    const uint32_t w = vget_lane_u32(vreinterpret_u32_u8(x), 0);
    memcpy(p, &w, 4);
}
static inline vec v_load_u8_s32(const uint8_t *p)
{
    return vreinterpretq_f32_u32(vmovl_u16(vget_low_u16(vmovl_u8(load4(p)))));
}
static inline vec v_load_s8_s32(const int8_t *p)
{
    return vreinterpretq_f32_s32(vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(load4(p))))));
}
static inline vec v_add_s32(vec a, vec b)
{
    return vreinterpretq_f32_s32(vaddq_s32(vreinterpretq_s32_f32(a), vreinterpretq_s32_f32(b)));
}
static inline vec v_cvt_s32(vec a) { return vcvtq_f32_s32(vreinterpretq_s32_f32(a)); }
/* FCVTNS rounds to nearest, ties to even; then narrowed with signed saturation to 16 bits and
 * with unsigned (signed) saturation to 8. */
static inline int16x8_t to_s16(vec v)
{
    const int16x4_t h = vqmovn_s32(vcvtnq_s32_f32(v));
    return vcombine_s16(h, h);
}
static inline void v_store_u8_rne(uint8_t *p, vec v) { store4(p, vqmovun_s16(to_s16(v))); }
static inline void v_store_s8_rne(int8_t *p, vec v) { store4(p, vreinterpret_u8_s8(vqmovn_s16(to_s16(v)))); }
static inline vec v_set1_i8(int x) { return vreinterpretq_f32_s8(vdupq_n_s8((int8_t)x)); }
static inline vec v_load_i8(const void *p) { return vreinterpretq_f32_u8(vcombine_u8(load4(p), load4(p))); }
static inline vec v_max_u8(vec tap, vec acc)
{
    return vreinterpretq_f32_u8(vmaxq_u8(vreinterpretq_u8_f32(tap), vreinterpretq_u8_f32(acc)));
}
static inline vec v_max_s8(vec tap, vec acc)
{
    return vreinterpretq_f32_s8(vmaxq_s8(vreinterpretq_s8_f32(tap), vreinterpretq_s8_f32(acc)));
}
static inline void v_store_i8(void *p, vec v) { store4(p, vget_low_u8(vreinterpretq_u8_f32(v))); }

#include "kernels/pool/body.h"

const cnb_pool_blocked_kernels cnb_pool_kernels__neon = {.cb = CB, .px = PX, .px_c = PX_C, POOL_KERNELS};

static void run(void *state, const cnb_problem *p, const void *src_, const void *wei_, void *dst_)
{
    (void)state;
    (void)wei_;
    cnb_pool_blocked_run(&cnb_pool_kernels__neon, &p->pool, p->dt.src, src_, dst_);
}

const cnb_impl cnb_pool_f32_window__neon = {
    .name = "pool/neon_window",
    .op = CNB_OP_POOL,
    .isa = CNB_ISA_NEON,
    .layout = CNB_LAYOUT_NCX4C,
    .dt_mask = CNB_DTM(CNB_DTC_F32) | CNB_DTM(CNB_DTC_BF16) | CNB_DTM(CNB_DTC_U8U8U8) |
               CNB_DTM(CNB_DTC_S8S8S8),
    .supports = cnb_pool_blocked_supports,
    .run = run,
};
