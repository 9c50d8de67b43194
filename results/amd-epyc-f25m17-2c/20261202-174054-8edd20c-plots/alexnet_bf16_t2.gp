reset
set title "alexnet[bf16]: GFLOP/s per layer, 2 thread(s), batch 1 (amd-epyc-f25m17-2c)" noenhanced
set xlabel "layer"
set ylabel "GFLOP/s (dense FLOPs / median time)"
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
set xtics rotate by 60 right font ",7"
set yrange [0:*]
set xrange [-0.5:7.5]
set style data linespoints
set terminal pngcairo size 1000,600 noenhanced font "sans,9"
set output "alexnet_bf16_t2.png"
plot for [i=3:10] 'alexnet_bf16_t2.dat' using 1:i:xtic(2) title columnhead(i) pt 7 ps 0.6
set terminal svg size 1000,600 noenhanced font "sans,9"
set output "alexnet_bf16_t2.svg"
plot for [i=3:10] 'alexnet_bf16_t2.dat' using 1:i:xtic(2) title columnhead(i) pt 7 ps 0.6
