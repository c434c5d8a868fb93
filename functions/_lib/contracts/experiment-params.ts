import * as z from 'zod';
import { Uuid } from './common.ts';

/** `{id}` in `/api/experiments/{id}/...` paths. */
export const ExperimentIdParams = z.object({ id: Uuid });
