# gantt.gp - per-node image pull timeline, for one config of a small scenario.
#
# Reads DATADIR/pulls.csv (header line, comma separated):
#   pull,node,pod,container,image,requested_s,started_s,finished_s,bytes,
#   layers_fetched,result
# One lane per node (node 0 on top). Pulls on one node may overlap in time,
# so each pull sits in one of 4 sub-lanes of its node, by pull id modulo 4.
# A thin light bar spans requested_s..started_s (queued in the kubelet), a
# thick bar spans started_s..finished_s (pulling); green = result ok, red =
# failed, grey = any other result (pending: still going at the horizon).
# A pull never started stays queued, and one never finished keeps pulling,
# to the last time in the file. The thick bar carries the image's short
# name (last path element, digest dropped) where the text fits, a short
# successful one beside it (up to 8 nodes). A failed pull
# also gets a red cross at its end, so one that fails at once (a refused
# connection) is seen, and the first failure of each node is labelled with
# its reason (ErrImagePull, ...; gnuplot cannot read the error text, whose
# quotes it takes for CSV quoting: pulls.csv has it).
# Registry outages (outages.csv, outages.gp) are shaded.
#
# Parameters (gnuplot -d -e "..." gantt.gp):
#   datadir   results/<scenario>/<config>
#   out       output file;  term  'png' (default) or 'svg'
#   svgout    optional: also render an SVG there, in the same process
#   scenario, config   names for the title (default: datadir)
# Run by sim/plot.c; needs gnuplot >= 5.4.

if (GPVAL_VERSION < 5.4) exit error "gantt.gp: needs gnuplot 5.4 or later"
if (!exists("datadir")) exit error "gantt.gp: parameter 'datadir' is required"
if (!exists("out")) exit error "gantt.gp: parameter 'out' is required"
if (!exists("term")) term = 'png'
if (!exists("scenario")) scenario = datadir
if (!exists("config")) config = ''
if (term eq 'svg') {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
} else {
    if (term ne 'png') { exit error "gantt.gp: term must be 'png' or 'svg'" }
    set terminal pngcairo size 1000,600 noenhanced font 'sans,12' background rgb 'white'
}

f = datadir . '/pulls.csv'
set datafile separator ','
set datafile columnheaders
set datafile missing NaN
dirof(s) = strstrt(s, "/") > 0 ? s[1:strstrt(s, "/")] . dirof(s[strstrt(s, "/") + 1:]) : ""
PLOTS_DIR = dirof(ARG0)

# Extent of the data: node ids and the last time mentioned anywhere.
undefine STATS_*
stats f using (column("node")) nooutput
rows = exists("STATS_records") ? STATS_records : 0
nmin = rows > 0 ? STATS_min : 0
nmax = rows > 0 ? STATS_max : 0
tend = 0
do for [c in "requested_s started_s finished_s"] {
    undefine STATS_*
    stats f using (column(c)) nooutput
    if (exists("STATS_records")) { if (STATS_max > tend) { tend = STATS_max } }
}
undefine STATS_*
stats f using (strcol("result") ne "ok" && strcol("result") ne "failed" ? 1 : NaN) nooutput
nother = exists("STATS_records") ? STATS_records : 0
xr = (tend > 0 ? tend : 1) * 1.01
nn = nmax - nmin + 1

isnum(x) = x == x
lane(n, p) = n - 0.375 + (int(p) % 4) * 0.25
ok(dummy) = strcol("result") eq "ok"
failed(dummy) = strcol("result") eq "failed"
color(dark) = ok(0) ? (dark ? 0x2ca02c : 0xa8dba8) : \
              failed(0) ? (dark ? 0xd62728 : 0xf2b0b0) : (dark ? 0x7f7f7f : 0xcccccc)
# Queued until started; a pull never started is queued until it finished
# (failed before starting) or until the end of the data.
qend(s, e) = isnum(s) ? s : (isnum(e) ? e : tend)
pend(e) = isnum(e) ? e : tend
after_slash(s) = strstrt(s, "/") > 0 ? after_slash(s[strstrt(s, "/") + 1:]) : s
short(s) = (b = after_slash(s), strstrt(b, "@") > 1 ? b[1:strstrt(b, "@") - 1] : b)
# Labels: about 7 px per character of the 9 pt label font on an 850 px wide
# plot area; above 8 nodes a sub-lane is too low for text.
charw = xr * 7 / 850.0
fits(x1, x2, s) = nn <= 8 && (x2 - x1) >= (strlen(s) + 1) * charw
label(x1, x2) = (s = short(strcol("image")), fits(x1, x2, s) ? s : "")
# A bar too short for its name gets it beside, in dark green (ok pulls).
beside(x1, x2) = (s = short(strcol("image")), nn <= 8 && ok(0) && !fits(x1, x2, s) ? s : "")
THIN = 0.035
THICK = 0.1
# The first failure of each node gets the label.
array SEEN[nn > 0 ? nn : 1]
do for [i = 1:|SEEN|] { SEEN[i] = 0 }
first_fail(n) = failed(0) && SEEN[n - nmin + 1] == 0 ? (SEEN[n - nmin + 1] = 1, 1) : 0
undefine STATS_*
stats f using (failed(0) ? 1 : 0) nooutput
nfailed = exists("STATS_sum") ? STATS_sum : 0

load PLOTS_DIR . 'outages.gp'
set output out
set title sprintf("Image pull timeline per node - %s%s%s", scenario, \
    config ne '' ? ' / ' : '', config)
set xlabel "time since simulation start (s)"
set ylabel "node"
set xrange [0:xr]
set yrange [nmax + 0.5:nmin - 0.5]
if (nn <= 40) {
    set ytics nmin, 1, nmax
    set mytics 2
    set grid noytics mytics xtics lt 1 lw 1 lc rgb '#dddddd', lt 1 lw 1 lc rgb '#aaaaaa'
} else {
    set grid xtics lt 1 lw 1 lc rgb '#dddddd'
}
set key below horizontal height 1
set style fill solid 1.0 noborder

if (rows == 0) {
    set label 1 "no image pulls" at graph 0.5, 0.5 center
    unset key
    unset ytics
    plot NaN notitle
} else {
    plot f using (r = column("requested_s"), e = qend(column("started_s"), \
                  column("finished_s")), (r + e) / 2):(y = lane(column("node"), \
                  column("pull"))):(r):(e):(y - THIN):(y + THIN):(color(0)) \
             with boxxyerror lc rgb variable notitle, \
         '' using (s = column("started_s"), e = pend(column("finished_s")), \
                  isnum(s) ? (s + e) / 2 : NaN):(y = lane(column("node"), \
                  column("pull"))):(s):(e):(y - THICK):(y + THICK):(color(1)) \
             with boxxyerror lc rgb variable notitle, \
         '' using (s = column("started_s"), e = pend(column("finished_s")), \
                  isnum(s) ? (s + e) / 2 : NaN):(lane(column("node"), \
                  column("pull"))):(label(s, e)) \
             with labels font ',9' textcolor rgb 'white' notitle, \
         '' using (s = column("started_s"), e = pend(column("finished_s")), \
                  isnum(s) ? e : NaN):(lane(column("node"), column("pull"))):(beside(s, e)) \
             with labels left offset 0.3, 0 font ',8' textcolor rgb '#1a6b1a' notitle, \
         for [i = 1:(nfailed > 0 ? 1 : 0)] '' using (failed(0) ? column("finished_s") : NaN):\
                  (lane(column("node"), column("pull"))) \
             with points pt 2 ps 0.8 lw 1.5 lc rgb '#a50f15' title "failed attempt", \
         for [i = 1:(nfailed > 0 && nn <= 8 ? 1 : 0)] '' using \
                  (n = column("node"), first_fail(n) ? column("finished_s") : NaN):\
                  (lane(column("node"), column("pull"))):(strcol("reason")) \
             with labels left offset 0.8, 0 font ',9' textcolor rgb '#a50f15' notitle, \
         keyentry with boxes fs solid 1.0 border lc rgb '#e8a8a0' fc rgb OUTAGE_COLOR title (OUTAGES > 0 ? OUTAGE_TITLE : ""), \
         keyentry with boxes lc rgb '#a8dba8' title "queued", \
         keyentry with boxes lc rgb '#2ca02c' title "pulling (ok)", \
         keyentry with boxes lc rgb '#f2b0b0' title "queued (failed)", \
         keyentry with boxes lc rgb '#d62728' title "pulling (failed)", \
         keyentry with boxes lc rgb '#7f7f7f' title (nother > 0 ? "pending" : "")
}
unset output
# The SVG from the same process: the data is read and prepared once.
if (exists("svgout")) {
    set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'
    set output svgout
    replot
    unset output
}
