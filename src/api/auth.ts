/**
 * API keys on the REST API: `Authorization: Bearer dk_<id>_<secret>`. A key acts for one
 * creditor; every account route looks the account up under that creditor only, so another
 * creditor's account is "unknown" (404), never "forbidden", and its existence is not revealed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ApiKeyRepository, VerifiedKey } from '../adapters/api-key.repository';
import { apiError, type ApiResponse } from './http';

const CHALLENGE = { 'www-authenticate': 'Bearer realm="dunning"' };

export async function authenticate(keys: ApiKeyRepository, headers: IncomingHttpHeaders): Promise<VerifiedKey | ApiResponse> {
  const header = headers.authorization ?? '';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return apiError(401, 'unauthorized', 'send an API key: Authorization: Bearer dk_<id>_<secret>', null, CHALLENGE);
  const key = await keys.verify(match[1]!);
  // One answer for a malformed, unknown or revoked key: a caller learns nothing by guessing.
  if (!key) return apiError(401, 'unauthorized', 'the API key is not valid (unknown or revoked)', null, CHALLENGE);
  return key;
}
