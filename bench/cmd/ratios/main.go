// Command ratios reads `go test -bench` output of this module on stdin and
// prints, for every benchmark and metric, inet's result beside gVisor's
// and the kernel's and the ratios inet/gVisor and inet/kernel, as a
// Markdown table. A ratio above 1 favours inet for rates (MB/s, .../s)
// and favours the other for costs (ns/op, B/op, allocs/op, B/conn).
//
//	go test -run '^$' -bench . | tee out.txt | go run ./cmd/ratios
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// line matches "BenchmarkName/world-8   N   v1 unit1   v2 unit2 ...".
var line = regexp.MustCompile(`^(Benchmark[^/\s]+)/(inet|gvisor|kernel)(?:-\d+)?\s+\d+\s+(.*)$`)

func main() {
	type key struct{ bench, metric string }
	vals := map[key]map[string]float64{}
	var order []key
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			k := key{strings.TrimPrefix(m[1], "Benchmark"), f[i+1]}
			if vals[k] == nil {
				vals[k] = map[string]float64{}
				order = append(order, k)
			}
			vals[k][m[2]] = v
		}
	}
	fmt.Println("| benchmark | metric | inet | gVisor | kernel | inet/gVisor | inet/kernel |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|")
	for _, k := range order {
		v := vals[k]
		cell := func(w string) string {
			x, ok := v[w]
			if !ok {
				return "-"
			}
			if x >= 1000 || x == float64(int64(x)) {
				return strconv.FormatFloat(x, 'f', 0, 64)
			}
			return strconv.FormatFloat(x, 'g', 3, 64)
		}
		ratio := func(w string) string {
			x, ok1 := v["inet"]
			y, ok2 := v[w]
			switch {
			case !ok1 || !ok2:
				return "-"
			case y == 0 && x == 0:
				return "="
			case y == 0:
				return "inf"
			}
			return fmt.Sprintf("%.2f", x/y)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", k.bench, k.metric, cell("inet"), cell("gvisor"), cell("kernel"), ratio("gvisor"), ratio("kernel"))
	}
}
