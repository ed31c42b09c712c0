package bench

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// peakRSSMB is a process's peak resident set (VmHWM), in MB.
func peakRSSMB(pid int) float64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuSeconds is a process's user plus system CPU time.
func cpuSeconds(pid int) float64 {
	_, cpu := procStat("/proc/" + strconv.Itoa(pid) + "/stat")
	return cpu
}

// sumCPUSeconds is the CPU time of several processes.
func sumCPUSeconds(pids []int) float64 {
	var sum float64
	for _, p := range pids {
		sum += cpuSeconds(p)
	}
	return sum
}

// hostCPU reads the host's busy and total CPU time, all cores, in clock
// ticks, from /proc/stat; busy excludes idle and iowait.
func hostCPU() (busy, total float64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, 0
	}
	for i, f := range fields[1:] {
		v, _ := strconv.ParseFloat(f, 64)
		if i >= 8 { // guest time is already counted in user
			break
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return busy, total
}

// commandCPUSeconds sums the CPU time of every process running the named
// command: the PostgreSQL server's backends when it runs on this host, so
// the report can tell the database's share of a Complete from the
// service's. Zero when none is visible.
func commandCPUSeconds(command string) float64 {
	paths, _ := filepath.Glob("/proc/[0-9]*/stat")
	var sum float64
	for _, p := range paths {
		if comm, cpu := procStat(p); comm == command {
			sum += cpu
		}
	}
	return sum
}

// procStat reads a process's command name and user plus system CPU time.
func procStat(path string) (comm string, seconds float64) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", 0
	}
	s := string(b)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open || end+2 > len(s) {
		return "", 0
	}
	// Fields after the command name, which is in parentheses.
	fields := strings.Fields(s[end+2:])
	if len(fields) < 13 {
		return "", 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return s[open+1 : end], (utime + stime) / 100 // clock ticks; USER_HZ is 100 on Linux
}
