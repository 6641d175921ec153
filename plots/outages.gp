# outages.gp - shades registry outages on a time plot; loaded by the time
# plots (gantt, backoff, throughput, registry, versions) before they plot.
#
# Reads DATADIR/outages.csv (registry,from_s,to_s,mode; only the header
# when there is none) and sets one rectangle per outage, behind the
# data, across the whole plot height. Sets OUTAGES to the number of
# outages, so the caller can add a key entry:
#   keyentry with boxes fs solid 1.0 border lc rgb '#e8a8a0' fc rgb OUTAGE_COLOR title (OUTAGES > 0 ? OUTAGE_TITLE : "")
# Needs 'datadir'; load it before setting the plot's ranges (stats obeys
# them, so it resets both):
#   load PLOTS_DIR . 'outages.gp'

OUTAGE_COLOR = '#fbe3e1'
OUTAGES = 0
ofile = datadir . '/outages.csv'
set xrange [*:*]
set yrange [*:*]
undefine STATS_*
stats ofile using (column("from_s")) nooutput
OUTAGES = exists("STATS_records") ? STATS_records : 0
OUTAGE_TITLE = "registry down"
if (OUTAGES > 0) {
    first_host = ''
    stats ofile every ::0::0 using (first_host = strcol("registry"), 0) nooutput
    stats ofile using (strcol("registry") eq first_host ? 0 : 1) nooutput
    OUTAGE_TITLE = STATS_sum == 0 ? first_host . " down" : "a registry down"
}
do for [i = 0:OUTAGES - 1] {
    stats ofile every ::i::i using (column("from_s")):(column("to_s")) nooutput
    set object (900 + i) rectangle from first STATS_min_x, graph 0 \
        to first STATS_max_y, graph 1 behind fc rgb OUTAGE_COLOR fs solid 1.0 noborder
}
