// Every plugin Skiff has, by name.

import { BalancedAllocation } from './balanced-allocation.js';
import { LeastAllocated } from './least-allocated.js';
import { NodeAffinity } from './node-affinity.js';
import { NodeReady } from './node-ready.js';
import { NodeResourcesFit } from './node-resources-fit.js';
import { NodeUnschedulable } from './node-unschedulable.js';
import { SelectorSpread } from './selector-spread.js';
import { TaintToleration } from './taint-toleration.js';

export { BalancedAllocation, LeastAllocated, NodeAffinity, NodeReady, NodeResourcesFit, NodeUnschedulable, SelectorSpread, TaintToleration };

