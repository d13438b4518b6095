// The texts `kubectl explain` prints for Skiff's types and fields, written for Skiff: what the
// field is for, what Skiff does with it and which values it refuses. The behaviour follows
// Kubernetes (the field names and meanings are Kubernetes'); the wording is our own. Keys are
// `<Type>` for a type and `<Type>.<field>` for a field, where Type is the last segment of the
// OpenAPI name (`Deployment`, `DeploymentSpec`, `ObjectMeta`); `*.<field>` applies to every type.

const D: Readonly<Record<string, string>> = {
  // ---- every kind ----
  '*.apiVersion': 'The group and version this object is written in, such as "v1" or "apps/v1"; Skiff serves one version per group.',
  '*.kind': 'The type of the object, such as "Pod". On a request body it must name the kind of the resource it is sent to.',
  '*.metadata': 'Name, namespace, labels and the other bookkeeping fields every object carries.',
  '*.items': 'The objects in this list.',

  // ---- meta/v1 ----
  ObjectMeta: 'Identity and bookkeeping for an object: its name and namespace, labels, annotations, owners and the values the server sets.',
  'ObjectMeta.name': 'The object\'s name, unique among objects of its kind in its namespace. Required unless generateName is set, and fixed once created.',
  'ObjectMeta.generateName': 'A prefix used to make a name when none is given: Skiff appends five random characters and retries if the result is taken.',
  'ObjectMeta.namespace': 'The namespace the object lives in; empty for cluster-wide kinds. Namespaced objects sent without one go to the request\'s namespace.',
  'ObjectMeta.uid': 'A unique ID the server assigns on create. Read-only; a new object with the same name gets a new uid.',
  'ObjectMeta.resourceVersion': 'An opaque token that changes on every write. Send it back on update to fail with a conflict if someone else wrote first; never set it on create.',
  'ObjectMeta.generation': 'A counter the server raises each time the desired state (spec) changes. Read-only.',
  'ObjectMeta.creationTimestamp': 'When the server stored the object, in RFC 3339 UTC. Read-only.',
  'ObjectMeta.deletionTimestamp': 'Set by the server when a delete was accepted but the object is kept until its finalizers are gone or its pod has stopped. Read-only.',
  'ObjectMeta.deletionGracePeriodSeconds': 'How long, in seconds, the object was given to shut down when its deletion began. Read-only.',
  'ObjectMeta.labels': 'Key/value pairs that selectors match on (services, replica sets, deployments, `-l` filters). Keys and values must be valid label syntax.',
  'ObjectMeta.annotations': 'Free-form key/value pairs for tools and people; Skiff does not select on them.',
  'ObjectMeta.ownerReferences': 'The objects this one belongs to. When every owner is deleted, Skiff\'s garbage collector deletes this object too (unless it is orphaned).',
  'ObjectMeta.finalizers': 'Names that hold a deleted object in place until the component responsible removes them; the object is removed once the list is empty.',
  OwnerReference: 'Points at an object that owns this one, in the same namespace or cluster-wide. Skiff refuses more than one owner marked as the controller.',
  LabelSelector: 'Picks objects by their labels. Both matchLabels and matchExpressions must hold; an empty selector matches everything.',
  'LabelSelector.matchLabels': 'Labels that must be present with exactly these values.',
  'LabelSelector.matchExpressions': 'Conditions on label keys (In, NotIn, Exists, DoesNotExist); all of them must hold.',
  Status: 'The answer to a request that returns no object, such as a delete or an error: a status of Success or Failure, a reason, a message and an HTTP code.',
  ListMeta: 'Bookkeeping for a list: its resourceVersion (to start a watch from) and the continue token for fetching the next page.',
  Patch: 'A partial update. Skiff accepts JSON patch, JSON merge patch, strategic merge patch and server-side apply bodies.',
  DeleteOptions: 'Options for a delete: a grace period, preconditions on uid or resourceVersion, how dependents are handled, and dry run.',
  Quantity: 'An amount such as "500m" (half a CPU), "128Mi" or "1G", written as a number with an optional binary or decimal suffix.',
  IntOrString: 'A value that may be either a whole number or a string; Skiff uses it for ports that can be named and for percentages like "25%".',

  // ---- core/v1 ----
  Pod: 'One or more containers that Skiff schedules onto a node together; they share the pod\'s network address and volumes.',
  'Pod.spec': 'What the pod should run: its containers, volumes and scheduling constraints.',
  'Pod.status': 'What the kubelet last reported about the pod: phase, conditions, IPs and each container\'s state.',
  PodSpec: 'The desired contents of a pod. After creation only container images and added tolerations may change.',
  'PodSpec.containers': 'The pod\'s main containers; at least one is required. Containers cannot be added or removed once the pod exists.',
  'PodSpec.initContainers': 'Containers the kubelet runs to completion one after another before starting the main containers.',
  'PodSpec.volumes': 'Volumes the containers can mount: emptyDir, hostPath, configMap, secret or downwardAPI. A volume with no source becomes an emptyDir.',
  'PodSpec.restartPolicy': 'When the kubelet restarts exited containers: Always (the default), OnFailure or Never. Pods made from a template must use Always.',
  'PodSpec.nodeName': 'The node that runs the pod. The scheduler sets it; setting it yourself skips the scheduler.',
  'PodSpec.nodeSelector': 'Labels a node must carry for the scheduler to place the pod there.',
  'PodSpec.tolerations': 'Node taints this pod accepts, letting it be scheduled on (or stay on) nodes with those taints.',
  'PodSpec.terminationGracePeriodSeconds': 'Seconds the kubelet waits after asking containers to stop before it kills them; 30 when unset.',
  PodTemplateSpec: 'The labels and pod spec a controller stamps out when it creates pods.',
  'PodTemplateSpec.spec': 'The spec of every pod made from this template.',
  Container: 'One process image the kubelet runs as a Docker container inside the pod.',
  'Container.name': 'The container\'s name: a DNS label, unique within the pod. Logs and exec pick a container by it.',
  'Container.image': 'The image to run. Unless the kubelet was given a registry it never pulls, so the image must already be in the node\'s Docker.',
  'Container.command': 'Replaces the image\'s entrypoint. $(VAR) references to the container\'s environment are expanded.',
  'Container.args': 'Arguments passed to the entrypoint, replacing the image\'s default command. $(VAR) references are expanded.',
  'Container.env': 'Environment variables for the container, given directly or read from a ConfigMap, Secret or the pod\'s own fields.',
  'Container.ports': 'Ports the container listens on. Listing them is informative, but it lets services refer to a port by name.',
  'Container.resources': 'CPU and memory requests (used for scheduling) and limits (enforced by Docker). A limit with no request sets the request too.',
  'Container.livenessProbe': 'A check the kubelet runs periodically; when it fails too often, the container is restarted.',
  'Container.readinessProbe': 'A check that decides whether the container is ready; pods that are not ready are taken out of service endpoints.',
  'Container.volumeMounts': 'Where the pod\'s volumes appear inside this container\'s filesystem.',
  PodStatus: 'The state of a pod as its kubelet last saw it.',
  'PodStatus.phase': 'A summary of where the pod is in its life: Pending, Running, Succeeded, Failed or Unknown.',
  Node: 'A machine (for Skiff, a kubelet with its own address) that runs pods. Kubelets register their node and keep its status current.',
  'Node.spec': 'Settings for the node: taints, whether it is unschedulable, and its pod address range.',
  'Node.status': 'What the kubelet reports about the node: capacity, conditions such as Ready, addresses and version information.',
  Namespace: 'A named scope for namespaced objects. Deleting one removes everything inside it before the namespace itself goes away.',
  'Namespace.spec': 'Holds the finalizers that must run before the namespace can be removed.',
  'Namespace.status': 'Whether the namespace is Active or Terminating.',
  Event: 'A note a component recorded about an object, such as a pod being scheduled or an image missing. Repeats of the same event raise its count.',
  'Event.involvedObject': 'The object the event is about.',
  'Event.reason': 'A short CamelCase word saying why the event happened, such as "Scheduled" or "FailedMount".',
  'Event.message': 'A readable explanation of what happened.',
  'Event.type': 'Normal or Warning; Skiff refuses other values.',
  'Event.count': 'How many times this same event has happened.',
  ConfigMap: 'Non-secret configuration as key/value pairs that pods can read as environment variables or as files in a volume. Up to 1 MiB of data in total.',
  'ConfigMap.data': 'Text values by key. A key may appear in data or binaryData, not both.',
  'ConfigMap.binaryData': 'Base64-encoded byte values by key, for content that is not valid UTF-8.',
  'ConfigMap.immutable': 'When true, the data can no longer be changed and this flag cannot be turned off; delete and recreate the object instead.',
  Secret: 'Sensitive key/value data, such as passwords or keys, that pods can read as environment variables or as files.',
  'Secret.data': 'Base64-encoded values by key.',
  'Secret.stringData': 'Plain-text values for convenience on write: Skiff encodes them into data (overriding the same keys) and never returns this field.',
  'Secret.type': 'What the secret holds, such as Opaque (the default) or kubernetes.io/tls; some types require certain keys. It cannot be changed later.',
  'Secret.immutable': 'When true, the data can no longer be changed and this flag cannot be turned off.',
  LimitRange: 'Per-namespace bounds and defaults for container and pod resources, applied by Skiff when pods are created.',
  'LimitRange.spec': 'The limits: minimums, maximums, default limits and default requests, per type of object.',
  ResourceQuota: 'A cap on the total resources and object counts a namespace may use; creations that would exceed it are refused.',
  'ResourceQuota.spec': 'The hard limits to enforce.',
  'ResourceQuota.status': 'The enforced limits and how much of each is in use.',
  Service: 'A stable virtual address and DNS name in front of a changing set of pods, chosen by a label selector.',
  'Service.spec': 'How the service is exposed: its type, ports and the pods it sends traffic to.',
  'Service.status': 'The load balancer address, once one has been assigned.',
  ServiceSpec: 'The desired behaviour of a service.',
  'ServiceSpec.type': 'How the service is reached: ClusterIP (the default), NodePort, LoadBalancer or ExternalName. Skiff refuses any other type.',
  'ServiceSpec.selector': 'Labels of the pods that receive the traffic. Without a selector Skiff manages no endpoints, and you supply them yourself.',
  'ServiceSpec.ports': 'The ports the service listens on and the pod port each one forwards to.',
  'ServiceSpec.clusterIP': 'The service\'s virtual IP, allocated by Skiff when left empty; "None" makes a headless service. Once set it cannot change, except when switching to or from ExternalName.',
  Endpoints: 'The addresses and ports that currently back a service. Skiff keeps them up to date for services with a selector.',
  'Endpoints.subsets': 'Groups of addresses that share the same set of ports.',

  // ---- apps/v1 ----
  Deployment: 'Runs a number of identical pods and rolls out changes to them through replica sets, one per version of the pod template.',
  'Deployment.spec': 'The pods to run, how many, and how to replace them on change.',
  'Deployment.status': 'How far the rollout has got: replica counts and conditions such as Available and Progressing.',
  DeploymentSpec: 'The desired state of a deployment.',
  'DeploymentSpec.replicas': 'How many pods to run; 1 when unset.',
  'DeploymentSpec.selector': 'Labels that identify the deployment\'s pods; it must match the template\'s labels and cannot be changed after creation.',
  'DeploymentSpec.template': 'The pod to run. Any change to it starts a new rollout; its restartPolicy must be Always.',
  'DeploymentSpec.strategy': 'How old pods are replaced by new ones.',
  'DeploymentSpec.minReadySeconds': 'How long a new pod must stay ready before it counts as available; 0 when unset.',
  'DeploymentSpec.revisionHistoryLimit': 'How many old, scaled-down replica sets to keep for rollback; 10 when unset.',
  'DeploymentSpec.paused': 'While true, changes to the template do not start a rollout.',
  'DeploymentSpec.progressDeadlineSeconds': 'Seconds a rollout may go without progress before it is marked as failed (Progressing=False); 600 when unset. Must exceed minReadySeconds.',
  DeploymentStrategy: 'The way a deployment swaps old pods for new ones.',
  'DeploymentStrategy.type': 'RollingUpdate (the default) replaces pods gradually; Recreate removes all old pods before creating new ones.',
  'DeploymentStrategy.rollingUpdate': 'Limits on a rolling update; only allowed with type RollingUpdate.',
  RollingUpdateDeployment: 'How far a rolling update may go below and above the desired number of pods.',
  'RollingUpdateDeployment.maxUnavailable': 'How many pods, as a count or a percentage, may be unavailable during the update; 25% when unset. It cannot be 0 when maxSurge is 0.',
  'RollingUpdateDeployment.maxSurge': 'How many pods, as a count or a percentage, may be created above the desired count during the update; 25% when unset.',
  DeploymentStatus: 'The most recently observed state of a deployment.',
  ReplicaSet: 'Keeps a given number of pods matching its selector running, creating or deleting pods as needed. Usually managed by a deployment.',
  'ReplicaSet.spec': 'The pods to keep running and how many.',
  'ReplicaSet.status': 'How many matching pods exist, are ready and are available.',
  ReplicaSetSpec: 'The desired state of a replica set.',
  'ReplicaSetSpec.replicas': 'How many pods to keep running; 1 when unset.',
  'ReplicaSetSpec.selector': 'Labels that identify the replica set\'s pods; it must match the template\'s labels and cannot be changed.',
  'ReplicaSetSpec.template': 'The pod the replica set creates when there are too few.',
  Scale: 'The replica count of a deployment or replica set, as read and written through its scale subresource (kubectl scale).',

  // ---- other groups ----
  Lease: 'A lightweight lock with a holder and an expiry. Kubelets renew one per node as a heartbeat, and controllers use them to elect a leader.',
  'Lease.spec': 'Who holds the lease, for how long, and when it was last acquired and renewed.',
  PodDisruptionBudget: 'Limits how many of a set of pods may be evicted at once; Skiff refuses evictions that would break it.',
  'PodDisruptionBudget.spec': 'The pods covered (by selector) and either minAvailable or maxUnavailable, but not both.',
  'PodDisruptionBudget.status': 'How many covered pods are healthy and how many evictions are allowed right now.',
  EndpointSlice: 'A piece of the list of endpoints behind a service; kube-proxy and DNS read these to route traffic.',
  'EndpointSlice.addressType': 'The kind of address in this slice: IPv4 or FQDN (Skiff refuses IPv6). Fixed once created.',
  'EndpointSlice.endpoints': 'The endpoints in this slice, at most 1000.',
  'EndpointSlice.ports': 'The ports every endpoint in this slice serves, at most 100.',
  Ingress: 'HTTP routing rules from host names and paths to services, carried out by Skiff\'s ingress controller.',
  'Ingress.spec': 'The routing rules, an optional default backend, and the ingress class that should handle them.',
  'Ingress.status': 'The address the ingress controller serves this ingress on.',
  IngressClass: 'Names an ingress controller, so an ingress can say which controller should serve it.',
  'IngressClass.spec': 'The controller behind this class (Skiff\'s is skiff.io/ingress-controller) and optional parameters for it.',

  // ---- events.k8s.io/v1 Event: the same stored events as core/v1, under the newer field names ----
  'Event.note': 'A readable explanation of what happened (core/v1: message).',
  'Event.regarding': 'The object the event is about (core/v1: involvedObject).',
  'Event.related': 'A second object involved in the event, if any.',
  'Event.eventTime': 'When the event was first observed. Required by Kubernetes for new events; events recorded through core/v1 show null.',
  'Event.reportingController': 'The component that reported the event (core/v1: reportingComponent, else source.component).',
  'Event.reportingInstance': 'The instance of the reporting component, such as a node name.',
  'Event.deprecatedSource': 'The core/v1 source of the event: component and host.',
  'Event.deprecatedCount': 'The core/v1 count: how many times this same event has happened.',
  'Event.deprecatedFirstTimestamp': 'The core/v1 firstTimestamp: when the event was first recorded.',
  'Event.deprecatedLastTimestamp': 'The core/v1 lastTimestamp: when the event was most recently recorded.',
  ObjectReference: 'Points at an object by kind, namespace, name and uid, and optionally a field inside it.',
  EventSource: 'The component, and the host it ran on, that recorded an event.',
};

/** A type's description (`shortName` is the OpenAPI name's last segment). */
export function typeDescription(shortName: string): string | undefined {
  return D[shortName];
}

/** A field's description within a type. */
export function fieldDescription(shortName: string, field: string): string | undefined {
  return D[`${shortName}.${field}`] ?? D[`*.${field}`];
}

/** The description of a list kind (`PodList`). */
export function listDescription(kind: string): string {
  return `A page of ${kind} objects, with the resourceVersion to watch from.`;
}

/** Every description key (for tests: each must name a type or field Skiff serves). */
export function descriptionKeys(): string[] {
  return Object.keys(D);
}
