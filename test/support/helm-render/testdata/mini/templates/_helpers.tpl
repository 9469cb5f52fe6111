{{- define "mini.labels" -}}
app: {{ .Chart.Name }}
release: {{ .Release.Name }}
{{- end }}
