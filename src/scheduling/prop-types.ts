import { Placement } from './pod-placement';
import { DURATION, PropType } from '../private/runtime-types';

/** {@link PodPlacementOptions} at run time (shared by the members and the pooler). */
export const PLACEMENT_TYPES: Record<string, PropType> = {
  hostAntiAffinity: { enumOf: Placement, name: 'Placement' },
  zoneSpread: { enumOf: Placement, name: 'Placement' },
  nodeSelector: 'record',
  tolerations: 'array',
  priorityClassName: 'string',
  podDisruptionBudget: 'boolean',
  terminationGracePeriod: DURATION,
};
