# Turns `nvcc -Xptxas -v` output into a markdown table of registers, shared memory and spills per
# kernel and architecture, sorted by kernel then architecture. kernels/build.sh runs it and fails the
# build when any spill count is not 0 or a kernel's static shared memory exceeds the 48 KiB that a
# launch may use without opting in to more.
/Compiling entry function/ {
  match($0, /'[^']+'/); fn = substr($0, RSTART + 1, RLENGTH - 2)
  match($0, /for '[^']+'/); arch = substr($0, RSTART + 5, RLENGTH - 6)
  key = fn " " arch; keys[++n] = key; name[key] = fn; sm[key] = arch; smem[key] = 0
}
/spill stores/ {
  for (i = 1; i <= NF; i++) {
    if ($(i + 1) == "bytes" && $(i + 2) == "stack") stack[key] = $i
    if ($(i + 2) == "spill" && $(i + 3) == "stores,") st[key] = $i
    if ($(i + 2) == "spill" && $(i + 3) == "loads") ld[key] = $i
  }
}
/Used [0-9]+ registers/ {
  for (i = 1; i <= NF; i++) {
    if ($(i + 1) == "registers,") regs[key] = $i
    if ($(i + 1) == "bytes" && ($(i + 2) == "smem," || $(i + 2) == "smem")) smem[key] = $i
  }
}
END {
  print "| kernel | arch | registers | static shared memory (bytes) | stack (bytes) | spill stores / loads (bytes) |"
  print "|---|---|---:|---:|---:|---:|"
  # insertion sort: n is small
  for (i = 2; i <= n; i++) { k = keys[i]; j = i - 1; while (j > 0 && keys[j] > k) { keys[j + 1] = keys[j]; j-- } keys[j + 1] = k }
  spills = 0
  for (i = 1; i <= n; i++) {
    k = keys[i]
    printf "| `%s` | %s | %d | %d | %d | %d / %d |\n", name[k], sm[k], regs[k], smem[k], stack[k], st[k], ld[k]
    if (st[k] + ld[k] > 0 || smem[k] > 49152) spills++
  }
  if (spills > 0) exit 3
}
