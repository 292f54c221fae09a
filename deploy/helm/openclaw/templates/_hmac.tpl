{{/*
HMAC-SHA256 (RFC 2104) in plain Helm, so the chart derives the instance tokens exactly as the
Manager does (deriveInstanceToken, packages/shared/src/tokens.ts):
  HMAC-SHA256(tokenSecret, "<purpose>:<userId>") as unpadded base64url.
Helm only has sha256sum (hex out, text in), so bytes travel between three forms: lists of byte
values (for the XOR with the pads), base64 text (which b64dec turns into raw bytes, the only way
to feed arbitrary bytes to sha256sum) and hex (what sha256sum prints). Checked against Node's
createHmac in deploy/helm/test/chart.test.ts, including keys longer than the 64-byte block.
*/}}

{{/* base64 text -> JSON list of its byte values. */}}
{{- define "openclaw.hmac.b64Bytes" -}}
{{- $value := dict -}}
{{- range $i, $c := splitList "" "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" -}}
{{- $_ := set $value $c $i -}}
{{- end -}}
{{- $chars := splitList "" (regexReplaceAll "=+$" . "") -}}
{{- $bytes := list -}}
{{- range $group := until (div (add (len $chars) 3) 4 | int) -}}
{{- /* Up to 4 characters = 24 bits, of which whole bytes are the first count*6/8. */ -}}
{{- $n := 0 -}}
{{- $count := 0 -}}
{{- range $j := until 4 -}}
{{- $k := add (mul $group 4) $j -}}
{{- $n = mul $n 64 -}}
{{- if lt $k (len $chars) -}}
{{- $n = add $n (get $value (index $chars $k)) -}}
{{- $count = add $count 1 -}}
{{- end -}}
{{- end -}}
{{- range $j := until (div (mul $count 6) 8 | int) -}}
{{- $bytes = append $bytes (mod (div $n (index (list 65536 256 1) $j)) 256) -}}
{{- end -}}
{{- end -}}
{{- toJson $bytes -}}
{{- end -}}

{{/* List of byte values -> padded base64 text. */}}
{{- define "openclaw.hmac.bytesB64" -}}
{{- $alphabet := splitList "" "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" -}}
{{- $bytes := . -}}
{{- $out := "" -}}
{{- range $group := until (div (add (len $bytes) 2) 3 | int) -}}
{{- $n := 0 -}}
{{- $count := 0 -}}
{{- range $j := until 3 -}}
{{- $k := add (mul $group 3) $j -}}
{{- $n = mul $n 256 -}}
{{- if lt $k (len $bytes) -}}
{{- $n = add $n (index $bytes $k) -}}
{{- $count = add $count 1 -}}
{{- end -}}
{{- end -}}
{{- range $j := until 4 -}}
{{- if le $j $count -}}
{{- $out = print $out (index $alphabet (mod (div $n (index (list 262144 4096 64 1) $j)) 64)) -}}
{{- else -}}
{{- $out = print $out "=" -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $out -}}
{{- end -}}

{{/* Lower-case hex text (sha256sum's output) -> JSON list of byte values. */}}
{{- define "openclaw.hmac.hexBytes" -}}
{{- $digit := dict "0" 0 "1" 1 "2" 2 "3" 3 "4" 4 "5" 5 "6" 6 "7" 7 "8" 8 "9" 9 "a" 10 "b" 11 "c" 12 "d" 13 "e" 14 "f" 15 -}}
{{- $chars := splitList "" . -}}
{{- $bytes := list -}}
{{- range $i := until (div (len $chars) 2 | int) -}}
{{- $bytes = append $bytes (add (mul 16 (get $digit (index $chars (mul $i 2)))) (get $digit (index $chars (add (mul $i 2) 1)))) -}}
{{- end -}}
{{- toJson $bytes -}}
{{- end -}}

{{/* dict "bytes" <list> "pad" <0-255> -> raw text of every byte XOR pad (templates have no bit operators). */}}
{{- define "openclaw.hmac.xorRaw" -}}
{{- $out := list -}}
{{- range $b := .bytes -}}
{{- $x := 0 -}}
{{- range $bit := list 1 2 4 8 16 32 64 128 -}}
{{- if ne (mod (div $b $bit) 2) (mod (div $.pad $bit) 2) -}}
{{- $x = add $x $bit -}}
{{- end -}}
{{- end -}}
{{- $out = append $out $x -}}
{{- end -}}
{{- include "openclaw.hmac.bytesB64" $out | b64dec -}}
{{- end -}}

{{/* dict "key" <text> "message" <text> -> HMAC-SHA256 as unpadded base64url (Node's digest("base64url")). */}}
{{- define "openclaw.hmacSha256" -}}
{{- $key := include "openclaw.hmac.b64Bytes" (b64enc .key) | fromJsonArray -}}
{{- if gt (len $key) 64 -}}
{{- /* RFC 2104: a key longer than the block is replaced by its hash. */ -}}
{{- $key = include "openclaw.hmac.hexBytes" (sha256sum .key) | fromJsonArray -}}
{{- end -}}
{{- range $i := until (sub 64 (len $key) | int) -}}
{{- $key = append $key 0 -}}
{{- end -}}
{{- $inner := sha256sum (print (include "openclaw.hmac.xorRaw" (dict "bytes" $key "pad" 54)) .message) -}}
{{- $innerRaw := include "openclaw.hmac.bytesB64" (include "openclaw.hmac.hexBytes" $inner | fromJsonArray) | b64dec -}}
{{- $outer := sha256sum (print (include "openclaw.hmac.xorRaw" (dict "bytes" $key "pad" 92)) $innerRaw) -}}
{{- include "openclaw.hmac.bytesB64" (include "openclaw.hmac.hexBytes" $outer | fromJsonArray) | replace "+" "-" | replace "/" "_" | trimSuffix "=" -}}
{{- end -}}
