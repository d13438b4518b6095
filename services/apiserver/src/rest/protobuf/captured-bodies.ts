// Request bodies kubectl sent to a logging stub, copied from ../shared/notes/kubectl-captures/<file>
// (kubectl 1.32.5 protobuf bodies, base64; kubectl 1.31.9 JSON for the same kind of command).

/** Base64 protobuf bodies by capture file. */
export const PROTOBUF_BODIES: Readonly<Record<string, string>> = {
  // POST /apis/apps/v1/namespaces/default/deployments (kubectl create deployment)
  "create-deploy-pb.jsonl":
    "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50Er0BCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEosBCAISDAoKCgNhcHASA3dlYhpxChwKABIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViElESMwoFbmdpbngSCm5naW54OjEuMjUqADIKCgAQABhQIgAqAEIAagByAIABAIgBAJABAKIBABoAMgBCAEoAUgBYAGAAaACCAQCKAQCaAQDCAQAiAgoAKAA4ABoMCAAQABgAIAAoADgAGgAiAA==",
  // POST /apis/apps/v1/namespaces/default/deployments (kubectl create deployment)
  "create-415.jsonl":
    "azhzAAoVCgdhcHBzL3YxEgpEZXBsb3ltZW50ErABCh8KA3dlYhIAGgAiACoAMgA4AEIAWgoKA2FwcBIDd2ViEn8IARIMCgoKA2FwcBIDd2ViGmUKHAoAEgAaACIAKgAyADgAQgBaCgoDYXBwEgN3ZWISRRInCgVuZ2lueBIKbmdpbng6MS4yNSoAQgBqAHIAgAEAiAEAkAEAogEAGgAyAEIASgBSAFgAYABoAIIBAIoBAJoBAMIBACICCgAoADgAGgwIABAAGAAgACgAOAAaACIA",
  // POST /api/v1/namespaces (kubectl create namespace)
  "pbchk-create_namespace.jsonl":
    "azhzAAoPCgJ2MRIJTmFtZXNwYWNlEhwKFAoEZGVtbxIAGgAiACoAMgA4AEIAEgAaAgoAGgAiAA==",
  // POST /api/v1/namespaces/default/configmaps (kubectl create configmap)
  "pbchk-create_configmap.jsonl":
    "azhzAAoPCgJ2MRIJQ29uZmlnTWFwEh0KEwoDY20xEgAaACIAKgAyADgAQgASBgoBYRIBYhoAIgA=",
  // POST /api/v1/namespaces/default/secrets (kubectl create secret generic)
  "pbchk-create_secret.jsonl":
    "azhzAAoMCgJ2MRIGU2VjcmV0Eh4KEgoCczESABoAIgAqADIAOABCABIGCgFhEgFiGgAaACIA",
  // POST /api/v1/namespaces/default/services (kubectl create service clusterip)
  "pbchk-create_service.jsonl":
    "azhzAAoNCgJ2MRIHU2VydmljZRJjCh0KAnMxEgAaACIAKgAyADgAQgBaCQoDYXBwEgJzMRI+ChgKBTgwLTgwEgNUQ1AYUCIGCAAQUBoAKAASCQoDYXBwEgJzMRoAIglDbHVzdGVySVA6AEIAUgBaAGAAaAAaAgoAGgAiAA==",
  // POST /apis/batch/v1/namespaces/default/jobs (kubectl create job)
  "pbchk-create_job.jsonl":
    "azhzAAoPCghiYXRjaC92MRIDSm9iEnoKEgoCajESABoAIgAqADIAOABCABJaMlgKEAoAEgAaACIAKgAyADgAQgASRBIhCgJqMRIHYnVzeWJveCoAQgBqAHIAgAEAiAEAkAEAogEAGgVOZXZlcjIAQgBKAFIAWABgAGgAggEAigEAmgEAwgEAGgggACgAMAA6ABoAIgA=",
  // POST /apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers (kubectl autoscale)
  "autoscale-pb.jsonl":
    "azhzAAopCg5hdXRvc2NhbGluZy92MRIXSG9yaXpvbnRhbFBvZEF1dG9zY2FsZXISPwoTCgN3ZWISABoAIgAqADIAOABCABIiChoKCkRlcGxveW1lbnQSA3dlYhoHYXBwcy92MRACGAUgUBoEGAAgABoAIgA=",
  // POST /apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers (kubectl autoscale)
  "autoscale.jsonl":
    "azhzAAopCg5hdXRvc2NhbGluZy92MRIXSG9yaXpvbnRhbFBvZEF1dG9zY2FsZXISQwoVCgVuZ2lueBIAGgAiACoAMgA4AEIAEiQKHAoKRGVwbG95bWVudBIFbmdpbngaB2FwcHMvdjEQAhgFIFAaBBgAIAAaACIA",
};

/** create-1.31.jsonl: kubectl 1.31 `create deployment web1.31 --image=nginx` (JSON body). */
export const CREATE_DEPLOYMENT_1_31_JSON =
  "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"metadata\":{\"name\":\"web1.31\",\"creationTimestamp\":null,\"labels\":{\"app\":\"web1.31\"}},\"spec\":{\"replicas\":1,\"selector\":{\"matchLabels\":{\"app\":\"web1.31\"}},\"template\":{\"metadata\":{\"creationTimestamp\":null,\"labels\":{\"app\":\"web1.31\"}},\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\",\"resources\":{}}]}},\"strategy\":{}},\"status\":{}}";
