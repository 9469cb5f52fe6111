{{/* Names, labels and the container arguments shared by the templates. */}}

{{- define "weir.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, or release-chart unless the release name already holds the chart name. */}}
{{- define "weir.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Service names are DNS-1035 labels (63 characters): leave room for the suffix. */}}
{{- define "weir.xdsServiceName" -}}
{{- printf "%s-xds" (include "weir.fullname" . | trunc 59 | trimSuffix "-") }}
{{- end }}

{{- define "weir.httpServiceName" -}}
{{- printf "%s-http" (include "weir.fullname" . | trunc 58 | trimSuffix "-") }}
{{- end }}

{{- define "weir.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "weir.selectorLabels" -}}
app.kubernetes.io/name: {{ include "weir.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "weir.labels" -}}
helm.sh/chart: {{ include "weir.chart" . }}
{{ include "weir.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: controller
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "weir.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "weir.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "weir.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "weir.leaseName" -}}
{{- default (include "weir.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "weir.leaseNamespace" -}}
{{- default .Release.Namespace .Values.leaderElection.leaseNamespace }}
{{- end }}

{{/* Where the profiles ConfigMap and the TLS Secret are mounted. */}}
{{- define "weir.profilesPath" -}}/etc/weir/profiles.yaml{{- end }}
{{- define "weir.tlsDir" -}}/etc/weir/tls{{- end }}

{{/* The arguments of `weir start` as a YAML list; toYaml quotes what needs quoting. */}}
{{- define "weir.args" -}}
{{- $v := .Values }}
{{- $args := list "start" "--discovery=kube" }}
{{- with $v.watchNamespaces }}
{{- $args = append $args (printf "--namespaces=%s" (join "," .)) }}
{{- end }}
{{- $args = append $args (printf "--prometheus-url=%s" $v.prometheus.url) }}
{{- $args = append $args (printf "--prometheus-timeout=%s" $v.prometheus.timeout) }}
{{- with $v.prometheus.bearerTokenFile }}
{{- $args = append $args (printf "--prometheus-bearer-token-file=%s" .) }}
{{- end }}
{{- with $v.prometheus.caFile }}
{{- $args = append $args (printf "--prometheus-ca-file=%s" .) }}
{{- end }}
{{- $args = append $args (printf "--xds-address=0.0.0.0:%d" (int $v.xds.port)) }}
{{- $args = append $args (printf "--http-address=0.0.0.0:%d" (int $v.http.port)) }}
{{- $args = append $args (printf "--interval=%s" $v.interval) }}
{{- if $v.profiles }}
{{- $args = append $args (printf "--profiles=%s" (include "weir.profilesPath" .)) }}
{{- end }}
{{- if $v.leaderElection.enabled }}
{{- $args = append $args "--leader-elect=true" }}
{{- $args = append $args (printf "--lease-name=%s" (include "weir.leaseName" .)) }}
{{- /* Kubernetes expands $(POD_NAMESPACE) from the downward-API variable. */}}
{{- $args = append $args (printf "--lease-namespace=%s" (default "$(POD_NAMESPACE)" $v.leaderElection.leaseNamespace)) }}
{{- end }}
{{- $args = append $args (printf "--log-level=%s" $v.logLevel) }}
{{- if $v.tls.enabled }}
{{- $dir := include "weir.tlsDir" . }}
{{- $args = append $args (printf "--xds-tls-cert=%s/tls.crt" $dir) }}
{{- $args = append $args (printf "--xds-tls-key=%s/tls.key" $dir) }}
{{- if $v.tls.clientAuth }}
{{- $args = append $args (printf "--xds-tls-client-ca=%s/ca.crt" $dir) }}
{{- end }}
{{- end }}
{{- $args = concat $args $v.extraArgs }}
{{- toYaml $args }}
{{- end }}

{{/* The rules weir needs on watched objects, the same as deploy/rbac/ (whose test checks
every request weir makes against them): list/watch Services and EndpointSlices, manage
EndpointWeights (list/watch too: followers serve the weights the leader published) and
patch their status, create and patch Events. Nothing else. */}}
{{- define "weir.watchRules" -}}
- apiGroups: [""]
  resources: [services]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
- apiGroups: [weir.dev]
  resources: [endpointweights]
  verbs: [get, list, watch, create, delete]
- apiGroups: [weir.dev]
  resources: [endpointweights/status]
  verbs: [patch]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
{{- end }}
