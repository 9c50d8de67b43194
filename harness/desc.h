/* Problem descriptors in oneDNN benchdnn's syntax (`mb1ic64ih56oc64oh56kh3ph1n"net:layer*2"`),
 * resolved with exactly the rules of harness/shapes/README.md, and the layers and networks built
 * from them. A line of a layer table is `<op>[:<alg>] <descriptor>`: conv, pool:max, pool:avg_np,
 * pool:avg_p, fc (an inner product, run as GEMM), gemm. */
#ifndef CNB_HARNESS_DESC_H
#define CNB_HARNESS_DESC_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/problem.h"

#define CNB_NAME_MAX 128
#define CNB_DESC_MAX 256

typedef enum { CNB_KIND_CONV, CNB_KIND_POOL, CNB_KIND_FC, CNB_KIND_GEMM } cnb_kind;

typedef struct cnb_layer {
    cnb_kind kind;           /* what the table says; fc runs as GEMM */
    cnb_problem prob;        /* resolved */
    int mult;                /* occurrences in the network ('*N' suffix), 1 if none */
    char name[CNB_NAME_MAX]; /* "resnet_50:res2a_branch2b" without the '*N' */
    char text[CNB_DESC_MAX]; /* the line as written (op prefix included) */
} cnb_layer;

/* Parse one table line or command-line descriptor. `default_kind` applies when the text has no
 * op prefix. mb_override > 0 replaces the batch. Returns 0, or -1 with one line in err. */
int cnb_layer_parse(const char *text, cnb_kind default_kind, int mb_override, cnb_layer *out,
                    char *err, size_t errlen);

/* Canonical, fully explicit descriptor of a resolved layer (op prefix included, name omitted):
 * parsing it again gives the same problem. Used in repro lines and golden keys. */
void cnb_layer_format(const cnb_layer *l, char *buf, size_t n);

/* Along one axis, the number of kernel taps of output `o` that read inside the input [0, in):
 * tap t reads o·s − p + t·(d + 1). 0 means the window lies entirely in padding there. */
int cnb_window_taps(int o, int s, int p, int d, int k, int in);

/* "conv", "pool", "fc", "gemm"; pool algorithm names "max", "avg_p", "avg_np". */
const char *cnb_kind_name(cnb_kind k);
const char *cnb_pool_alg_name(cnb_pool_alg a);

/* FLOPs. Convolution: dense counts every tap (2·mb·oc·od·oh·ow·ic/g·kd·kh·kw); benchdnn counts
 * only taps inside the unpadded input. Pooling: one operation per window tap (dense) or per tap
 * inside the input. GEMM: 2·m·n·k. */
double cnb_layer_flops_dense(const cnb_layer *l);
double cnb_layer_flops_benchdnn(const cnb_layer *l);
/* Bytes: weights (conv, fc), activations (src + dst; GEMM: A + C), compulsory traffic (all tensors,
 * C counted twice when beta ≠ 0). */
double cnb_layer_wei_bytes(const cnb_layer *l);
double cnb_layer_act_bytes(const cnb_layer *l);
double cnb_layer_bytes(const cnb_layer *l);

/* The data-type sets of `--dt=LIST` (cnnbench bench and check): each network layer is run in
 * each listed set, as inference would run the whole network in that type:
 *   f32   every tensor f32 (the tables as written)
 *   bf16  conv and fc bf16:bf16:bf16, pooling bf16
 *   int8  conv and fc u8:s8:u8 (requantized, the default dst scale), pooling u8: the u8
 *         activations an int8 inference chain passes from layer to layer
 * A layer whose own line names --dt keeps its types, and so does a layer of a GEMM table (kind
 * gemm: a matrix shape, not a network layer); each of those is listed once, whatever the list. */
typedef enum { CNB_DTSET_F32, CNB_DTSET_BF16, CNB_DTSET_INT8, CNB_DTSET_COUNT } cnb_dtset;
const char *cnb_dtset_name(cnb_dtset s);
/* Parse "f32,bf16,int8" (each at most once) into sets; returns the count, or -1 with one line. */
int cnb_dtset_parse(const char *list, cnb_dtset *sets, int max, char *err, size_t errlen);
/* 1 when the layer keeps its own types under --dt=LIST (see above). */
int cnb_layer_keeps_dt(const cnb_layer *l);
/* The layer in set s (l itself when it keeps its types): 0, or -1 with one line in err when the
 * problem cannot take those types. */
int cnb_layer_to_dtset(const cnb_layer *l, cnb_dtset s, cnb_layer *out, char *err, size_t errlen);
/* The set a layer's types belong to: f32, bf16 (bf16 src) or int8 (u8/s8 src). */
cnb_dtset cnb_layer_dtset(const cnb_layer *l);
/* Expand layers[from, *count) in place by the sets (the parallel arrays `net`, of *cap entries,
 * grow as needed): each layer that does not keep its types becomes one layer per set, in the
 * order of the list; the others stay once. Returns 0, or -1 (out of memory, or one line in err). */
int cnb_layers_expand_dt(cnb_layer **layers, char (**net)[64], int *count, int *cap, int from,
                         const cnb_dtset *sets, int nsets, char *err, size_t errlen);

/* A network: the layers of harness/shapes/<name>.txt (or any table file). */
typedef struct cnb_net {
    char name[64];
    int count;
    cnb_layer *layers;
} cnb_net;

/* Load a table: `name_or_path` is a network name looked up in the shapes directory, or a path to
 * a file. Returns 0, or -1 with one line in err (unknown network, missing file, bad line N). */
int cnb_net_load(const char *name_or_path, int mb_override, cnb_net *net, char *err, size_t errlen);
/* The same, going on past bad lines: each is reported on stderr ("cnnbench: FILE:LINE: why"),
 * skipped and counted in *n_bad; a NUL byte ends the file there. Returns -1 only when the file
 * itself cannot be used; a file of only bad lines loads with count 0 and *n_bad > 0. */
int cnb_net_load_lenient(const char *name_or_path, int mb_override, cnb_net *net, int *n_bad,
                         char *err, size_t errlen);
void cnb_net_free(cnb_net *net);
/* The shapes directory: $CNB_SHAPES, else harness/shapes next to the binary's repo, else
 * ./harness/shapes. */
const char *cnb_shapes_dir(void);
/* Names of the networks in the shapes directory, sorted; returns the count (at most max). */
int cnb_net_list(char names[][64], int max);

#endif
