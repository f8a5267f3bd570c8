/** Calls a person places ("dialling now") and their outcomes, as they cross a boundary (HTTP, command line). */
import { z } from 'zod';
import { CALL_OUTCOMES } from '../domain/engine/records';
import { identifier } from './account.schema';
import { E164 } from './text';

export const dialRequestSchema = z
  .object({
    phone: z.string().regex(E164, 'must be an E.164 phone number such as +12125550100').optional(),
    taskId: z.string().trim().min(1).max(300).optional(),
    operator: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const callOutcomeSchema = z
  .object({
    outcome: z.enum(CALL_OUTCOMES, { error: `must be one of ${CALL_OUTCOMES.join(', ')}` }),
    note: z.string().trim().max(500).optional(),
    operator: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const attemptIdSchema = identifier;
