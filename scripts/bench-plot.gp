# gnuplot script: the plot of a `dmactl bench --csv` result (make demo).
#   gnuplot -e "csv='out/bench.csv'; out='out/bench'; where='...'" scripts/bench-plot.gp
# writes out.svg and out.png: three panels against transfer size, one line
# per mode - end-to-end throughput, host cost per transfer, setup cost -
# of the single transfers (depth 0), then, when the CSV has streams
# (dmactl bench --depth), one panel per queue depth: the streams'
# throughput against size, one line per mode.
# Each mode's line reads only that mode's rows (awk keeps the header and
# them), and cells without verified figures (status other than "ok") are
# left out; so are zero setup costs (sg-oneshot sets nothing up), which a log axis
# cannot show. Column names are the CSV header's (libdma_bench_write); the
# depth is the fifth column from the end (after the note, which is empty
# in rows with figures).
if (!exists("csv")) csv = 'out/bench.csv'
if (!exists("out")) out = 'out/bench'
if (!exists("where")) where = ''

set datafile separator ','
set datafile columnheaders
set datafile missing ''
# The modes the CSV has rows of, in order (vfio only when it took part).
modes = system("awk -F, '!/^#/ && $1 != \"mode\" && !seen[$1]++ { printf \"%s \", $1 }' '".csv."'")

rows(m) = sprintf("< awk -F, '/^mode,/ || ($1 == \"%s\" && $3 == \"ok\" && $(NF-4) == 0)' '%s'", m, csv)
srows(m, d) = sprintf("< awk -F, '/^mode,/ || ($1 == \"%s\" && $3 == \"ok\" && $(NF-4) == %s)' '%s'", m, d, csv)
# The depths of the streams with figures, ascending; the modes that have them.
depths = system("awk -F, '!/^#/ && $1 != \"mode\" && $3 == \"ok\" && $(NF-4) > 0 { print $(NF-4) }' '".csv."' | sort -n | uniq | tr '\\n' ' '")
smodes = system("awk -F, '!/^#/ && $1 != \"mode\" && $3 == \"ok\" && $(NF-4) > 0 && !seen[$1]++ { printf \"%s \", $1 }' '".csv."'")
# Throughput in units that suit the device: KiB/s on edu, MiB/s or GiB/s on edu-sg.
maxbps = real(system("awk -F, '/^mode,/ { for (i = 1; i <= NF; i++) if ($i == \"throughput_Bps_median\") c = i; next } !/^#/ && $3 == \"ok\" && $c + 0 > m { m = $c + 0 } END { print m + 0 }' '".csv."'"))
unit = maxbps >= 2 * 1024**3 ? 1024**3 : maxbps >= 2 * 1024**2 ? 1024**2 : 1024
uname = unit == 1024**3 ? 'GiB/s' : unit == 1024**2 ? 'MiB/s' : 'KiB/s'
npanels = 3 + words(depths)
pos(v) = v > 0 ? v : 1/0
# Modes that coincide (coherent, sg-hugepage and bounce issue the same
# commands) stay visible: earlier modes get wider lines, each its own dashes.
lwidth(i) = 0.8 + 0.7 * (words(modes) + 1 - i)

set logscale x 2
set xlabel 'bytes per transfer'
set format x '%.0b %BB'
set grid xtics ytics mytics lc rgb '#dddddd'
set key outside right top
set style data linespoints
set pointsize 0.8

do for [t = 1:2] {
    if (t == 1) {
        set terminal svg size 1000,430 * npanels + 10 dynamic noenhanced font 'DejaVu Sans,12' background rgb 'white'
        set output out.'.svg'
    } else {
        set terminal pngcairo size 1000,430 * npanels + 10 noenhanced font 'DejaVu Sans,11'
        set output out.'.png'
    }
    set multiplot layout npanels,1 title "libdma bench: copy source -> device -> destination, every byte verified\n".where

    set title 'single transfers: end-to-end throughput (bytes / time of the transfer step)'
    set ylabel uname
    unset logscale y
    set yrange [0:*]
    plot for [i = 1:words(modes)] rows(word(modes, i)) using (column("size")):(column("throughput_Bps_median") / unit) title word(modes, i) lw lwidth(i) dt i

    set title 'host cost per transfer (transfer time - device time): pinning, copying, system call'
    set ylabel 'microseconds'
    set logscale y 10
    set yrange [*:*]
    plot for [i = 1:words(modes)] rows(word(modes, i)) using (column("size")):(pos(column("host_ns_median")) / 1000) title word(modes, i) lw lwidth(i) dt i

    set title 'setup cost (alloc or register both buffers; sg-oneshot: none, it pins in every transfer)'
    set ylabel 'microseconds'
    plot for [i = 1:words(modes)] rows(word(modes, i)) using (column("size")):(pos(column("setup_ns_median")) / 1000) title word(modes, i) lw lwidth(i) dt i

    do for [k = 1:words(depths)] {
        set title sprintf('streams at queue depth %s: throughput (requests x size / wall time of the stream)', word(depths, k))
        set ylabel uname
        unset logscale y
        set yrange [0:*]
        plot for [i = 1:words(smodes)] srows(word(smodes, i), word(depths, k)) using (column("size")):(column("throughput_Bps_median") / unit) title word(smodes, i) lw lwidth(i) dt i
    }

    unset multiplot
    unset output
}
