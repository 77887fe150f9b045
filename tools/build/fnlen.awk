# Prints "LINES FILE:LINE HEADER" for every function body longer than MAX
# lines (kernel style: the opening brace of a function alone in column 0,
# its closing brace alone in column 0). Usage: awk -v MAX=80 -f fnlen.awk F...
FNR == 1 { start = 0; header = "" }
/^\{/ { start = FNR; name = header; next }
/^\}/ {
	if (start && FNR - start - 1 > MAX)
		print FNR - start - 1, FILENAME ":" start, name
	start = 0
	next
}
/^[^ \t#\/*]/ { header = $0 }
