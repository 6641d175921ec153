# sweep.gp - an experiment's metric against its swept value, one line per
# kubelet config with its 95% confidence band over the replications.
#
# Reads DATAFILE (sweep.dat, written by pullsim's experiment collect): per
# config, in the order of 'configs', one block of lines "value mean lo hi"
# (whitespace separated, '#' comments), blocks separated by two blank lines.
# Points where some replication did not reach the metric are left out.
# x = the swept value, y = the metric (seconds for *_s metrics).
#
# Parameters (gnuplot -d -e "..." sweep.gp):
#   datafile   path of sweep.dat
#   configs    space-separated config names, one per block
#   xlabel     the swept path, e.g. nodePools[0].count
#   metric     the metric's column name in runs.csv, e.g. p95_s
#   bound      the bound as a number (a dashed line), negative for none
#   out        output file;  term  'png' (default) or 'svg'
#   svgout     optional: also render an SVG there, in the same process
#   scenario   name for the title
# Run by sim/obs/plot.c (plot_render_sweep); needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "sweep.gp: needs gnuplot 5.4 or later"
if (!exists("datafile")) exit error "sweep.gp: parameter 'datafile' is required"
if (!exists("configs")) exit error "sweep.gp: parameter 'configs' is required"
if (!exists("out")) exit error "sweep.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = ''
if (!exists("xlabel")) xlabel = 'swept value'
if (!exists("metric")) metric = 'metric'
if (!exists("bound")) bound = '-1'
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "sweep.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}
nc = words(configs)
if (nc < 1) exit error "sweep.gp: 'configs' names no config"
b = real(bound)

set output out
set title sprintf("%s against %s - %s (lines: mean, bands: 95%% CI over replications)", \
    metric, xlabel, scenario)
set xlabel xlabel
set ylabel metric . (metric[strlen(metric)-1:] eq '_s' ? ' (s)' : '')
set grid xtics ytics lt 1 lw 1 lc rgb '#dddddd'
set key top left
set offsets 0, 0, graph 0.08, 0
set yrange [0:*]
set linetype 1 lc rgb '#1f77b4' lw 2 dt 1
set linetype 2 lc rgb '#ff7f0e' lw 2 dt 2
set linetype 3 lc rgb '#2ca02c' lw 2 dt 3
set linetype 4 lc rgb '#d62728' lw 2 dt 4
set linetype cycle 4
set style fill transparent solid 0.2 noborder
# The bound is drawn as a function, so the y range always includes it.
if (b >= 0) {
    plot for [i = 0:nc - 1] datafile index i using 1:3:4 with filledcurves lt (i + 1) \
            notitle, \
         for [i = 0:nc - 1] datafile index i using 1:2 with linespoints lt (i + 1) pt 7 \
            title word(configs, i + 1), \
         b with lines dt 3 lw 2 lc rgb '#555555' title sprintf("bound %g", b)
} else {
    plot for [i = 0:nc - 1] datafile index i using 1:3:4 with filledcurves lt (i + 1) \
            notitle, \
         for [i = 0:nc - 1] datafile index i using 1:2 with linespoints lt (i + 1) pt 7 \
            title word(configs, i + 1)
}
unset output
# The SVG from the same process: the data is read and prepared once.
if (exists("svgout")) {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
    set output svgout
    replot
    unset output
}
