// What kubectl prints, computed once for the apiserver's Tables and the skiff CLI.

export { humanDuration, age } from './duration.js';
export { formatLabels, formatLabelSelector } from './labels.js';
export { podSummary, type PodSummary } from './pod-status.js';
export { type TableColumnDefinition, type TableCell, type KindColumns, NAME_DESCRIPTION, AGE_DESCRIPTION, defaultColumns } from './columns.js';
export { columnsFor } from './kind-columns.js';
export { nodeRoles, nodeStatus, podRowConditions, type TableRowCondition } from './workload-columns.js';
export { quotaColumns } from './config-columns.js';
export {
  loadBalancerAddresses,
  serviceExternalIP,
  servicePorts,
  formatEndpoints,
  formatSlicePorts,
  formatSliceEndpoints,
  formatSlicesForService,
  formatIngressHosts,
} from './network-columns.js';
