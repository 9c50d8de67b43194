reset
set title "Pooling: GB/s of compulsory traffic per layer, 1 thread(s) (amd-epyc-f25m17-2c)" noenhanced
set xlabel "pooling layer (all networks, CSV order)"
set ylabel "GB/s"
set key outside right top noenhanced
set grid
set datafile missing "?"
set linetype 1 lc rgb "#1f77b4" lw 1.5 dt 1 pt 7
set linetype 2 lc rgb "#d62728" lw 1.5 dt 1 pt 7
set linetype 3 lc rgb "#2ca02c" lw 1.5 dt 1 pt 7
set linetype 4 lc rgb "#ff7f0e" lw 1.5 dt 1 pt 7
set linetype 5 lc rgb "#9467bd" lw 1.5 dt 1 pt 7
set linetype 6 lc rgb "#8c564b" lw 1.5 dt 1 pt 7
set linetype 7 lc rgb "#e377c2" lw 1.5 dt 1 pt 7
set linetype 8 lc rgb "#17becf" lw 1.5 dt 1 pt 7
set linetype 9 lc rgb "#7f7f7f" lw 1.5 dt 1 pt 7
set linetype 10 lc rgb "#bcbd22" lw 1.5 dt 1 pt 7
set linetype 11 lc rgb "#000000" lw 1.5 dt 1 pt 7
set linetype 12 lc rgb "#393b79" lw 1.5 dt 1 pt 7
set linetype 13 lc rgb "#1f77b4" lw 1.5 dt 2 pt 5
set linetype 14 lc rgb "#d62728" lw 1.5 dt 2 pt 5
set linetype 15 lc rgb "#2ca02c" lw 1.5 dt 2 pt 5
set linetype 16 lc rgb "#ff7f0e" lw 1.5 dt 2 pt 5
set linetype 17 lc rgb "#9467bd" lw 1.5 dt 2 pt 5
set linetype 18 lc rgb "#8c564b" lw 1.5 dt 2 pt 5
set linetype 19 lc rgb "#e377c2" lw 1.5 dt 2 pt 5
set linetype 20 lc rgb "#17becf" lw 1.5 dt 2 pt 5
set linetype 21 lc rgb "#7f7f7f" lw 1.5 dt 2 pt 5
set linetype 22 lc rgb "#bcbd22" lw 1.5 dt 2 pt 5
set linetype 23 lc rgb "#000000" lw 1.5 dt 2 pt 5
set linetype 24 lc rgb "#393b79" lw 1.5 dt 2 pt 5
set linetype cycle 24
set yrange [0:*]
set xrange [-0.5:*]
set terminal pngcairo size 1000,600 noenhanced font "sans,9"
set output "pool_t1.png"
plot 'pool_t1_pool_avx512_window.dat' using 1:2 title 'pool/avx512_window' with points lt 1 pt 5 ps 0.8, 'pool_t1_pool_avx2_window.dat' using 1:2 title 'pool/avx2_window' with points lt 2 pt 6 ps 0.8, 'pool_t1_pool_onednn.dat' using 1:2 title 'pool/onednn' with points lt 3 pt 7 ps 0.8, 'pool_t1_pool_onednn_gomp.dat' using 1:2 title 'pool/onednn_gomp' with points lt 4 pt 8 ps 0.8, 'pool_t1_pool_avx512_window_bf16_.dat' using 1:2 title 'pool/avx512_window[bf16]' with points lt 5 pt 9 ps 0.8, 'pool_t1_pool_avx2_window_bf16_.dat' using 1:2 title 'pool/avx2_window[bf16]' with points lt 6 pt 10 ps 0.8, 'pool_t1_pool_onednn_bf16_.dat' using 1:2 title 'pool/onednn[bf16]' with points lt 7 pt 11 ps 0.8, 'pool_t1_pool_onednn_gomp_bf16_.dat' using 1:2 title 'pool/onednn_gomp[bf16]' with points lt 8 pt 12 ps 0.8, 'pool_t1_pool_avx512_window_u8_.dat' using 1:2 title 'pool/avx512_window[u8]' with points lt 9 pt 13 ps 0.8, 'pool_t1_pool_avx2_window_u8_.dat' using 1:2 title 'pool/avx2_window[u8]' with points lt 10 pt 5 ps 0.8, 'pool_t1_pool_onednn_u8_.dat' using 1:2 title 'pool/onednn[u8]' with points lt 11 pt 6 ps 0.8, 'pool_t1_pool_onednn_gomp_u8_.dat' using 1:2 title 'pool/onednn_gomp[u8]' with points lt 12 pt 7 ps 0.8, 20.34 title 'DRAM triad 20.3 GB/s' with lines dt 2 lc rgb 'black'
set terminal svg size 1000,600 noenhanced font "sans,9"
set output "pool_t1.svg"
plot 'pool_t1_pool_avx512_window.dat' using 1:2 title 'pool/avx512_window' with points lt 1 pt 5 ps 0.8, 'pool_t1_pool_avx2_window.dat' using 1:2 title 'pool/avx2_window' with points lt 2 pt 6 ps 0.8, 'pool_t1_pool_onednn.dat' using 1:2 title 'pool/onednn' with points lt 3 pt 7 ps 0.8, 'pool_t1_pool_onednn_gomp.dat' using 1:2 title 'pool/onednn_gomp' with points lt 4 pt 8 ps 0.8, 'pool_t1_pool_avx512_window_bf16_.dat' using 1:2 title 'pool/avx512_window[bf16]' with points lt 5 pt 9 ps 0.8, 'pool_t1_pool_avx2_window_bf16_.dat' using 1:2 title 'pool/avx2_window[bf16]' with points lt 6 pt 10 ps 0.8, 'pool_t1_pool_onednn_bf16_.dat' using 1:2 title 'pool/onednn[bf16]' with points lt 7 pt 11 ps 0.8, 'pool_t1_pool_onednn_gomp_bf16_.dat' using 1:2 title 'pool/onednn_gomp[bf16]' with points lt 8 pt 12 ps 0.8, 'pool_t1_pool_avx512_window_u8_.dat' using 1:2 title 'pool/avx512_window[u8]' with points lt 9 pt 13 ps 0.8, 'pool_t1_pool_avx2_window_u8_.dat' using 1:2 title 'pool/avx2_window[u8]' with points lt 10 pt 5 ps 0.8, 'pool_t1_pool_onednn_u8_.dat' using 1:2 title 'pool/onednn[u8]' with points lt 11 pt 6 ps 0.8, 'pool_t1_pool_onednn_gomp_u8_.dat' using 1:2 title 'pool/onednn_gomp[u8]' with points lt 12 pt 7 ps 0.8, 20.34 title 'DRAM triad 20.3 GB/s' with lines dt 2 lc rgb 'black'
