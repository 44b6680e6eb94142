// Rows as SQLite holds them, and the conversions both ways. Writing checks every field (a bad
// value is refused with the field it came in on); reading parses JSON columns and checks the
// columns every reader relies on, throwing for a row that cannot be read: the store's listings
// catch that, name the row, warn and go on (row-reader.ts).
import type { NewTrial, ResultKind, RunStatus, StoredFailure, StoredResult, StoredRun, StoredTrial } from './store-types.js';
import { RESULT_KINDS, RUN_STATUSES } from './store-types.js';
import {
  boolean,
  identifier,
  jsonObject,
  oneOf,
  optionalNonNegative,
  safeInteger,
  timestamp,
} from './store-validation.js';

export interface RunRow {
  id: string;
  started_at: string;
  finished_at: string | null;
  matrix_name: string;
  matrix_json: string;
  order_seed: number;
  order_json: string;
  instance_type: string;
  fingerprint_json: string;
  status: RunStatus;
  tool_version: string;
}

export interface ResultRow {
  job_id: string;
  run_id: string;
  kind: ResultKind;
  instance_type: string;
  path: string;
  isa: string;
  spec_json: string;
  result_json: string;
  fingerprint_json: string;
  median_ns: number | null;
  tokens_per_s: number | null;
  noisy: 0 | 1;
  started_at: string;
  finished_at: string;
  host: string | null;
}

export interface TrialRow {
  job_id: string;
  run_id: string;
  trial: number;
  position: number | null;
  host: string | null;
  result_json: string;
  started_at: string;
  finished_at: string;
}

export interface FailureRow {
  job_id: string;
  run_id: string;
  reason: string;
  signal: string | null;
  at: string;
  attempt: number;
  instance_type: string | null;
}

type JsonObject = Record<string, unknown>;

function parseObject(column: string, text: unknown): JsonObject {
  if (typeof text !== 'string') throw new TypeError(`${column} is not text`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${column} is not JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${column} is not a JSON object`);
  return value as JsonObject;
}

function parseJson(column: string, text: unknown): unknown {
  if (typeof text !== 'string') throw new TypeError(`${column} is not text`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${column} is not JSON (${(error as Error).message})`);
  }
}

function nullableFigure(column: string, value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${column} is not a number`);
  return value;
}

/** A run row as callers see it; throws naming the column that cannot be read. */
export function runFromRow(row: RunRow): StoredRun {
  const order = parseJson('order_json', row.order_json);
  if (!Array.isArray(order) || !order.every((id) => typeof id === 'string')) throw new TypeError('order_json is not a list of job ids');
  return {
    id: identifier('id', row.id),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    matrixName: row.matrix_name,
    matrix: parseObject('matrix_json', row.matrix_json),
    orderSeed: row.order_seed,
    order,
    instanceType: identifier('instance_type', row.instance_type),
    fingerprint: parseObject('fingerprint_json', row.fingerprint_json),
    status: oneOf('status', row.status, RUN_STATUSES),
    toolVersion: row.tool_version,
  };
}

/** The host a result names: its own field, else its fingerprint's instance id. */
function hostOf(result: JsonObject, fingerprint: JsonObject): string | undefined {
  if (typeof result.host === 'string' && result.host !== '') return result.host;
  const instance = fingerprint.instance as JsonObject | undefined;
  const id = instance && typeof instance === 'object' ? instance.instanceId : undefined;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

export function resultFromRow(row: ResultRow): StoredResult {
  const result = parseObject('result_json', row.result_json);
  const fingerprint = parseObject('fingerprint_json', row.fingerprint_json);
  const medianNs = nullableFigure('median_ns', row.median_ns);
  const tokensPerS = nullableFigure('tokens_per_s', row.tokens_per_s);
  const host = row.host ?? hostOf(result, fingerprint);
  return {
    jobId: identifier('job_id', row.job_id),
    runId: identifier('run_id', row.run_id),
    kind: oneOf('kind', row.kind, RESULT_KINDS),
    instanceType: identifier('instance_type', row.instance_type),
    path: identifier('path', row.path),
    isa: identifier('isa', row.isa),
    spec: parseJson('spec_json', row.spec_json),
    result,
    fingerprint,
    ...(medianNs === undefined ? {} : { medianNs }),
    ...(tokensPerS === undefined ? {} : { tokensPerS }),
    noisy: row.noisy === 1,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    ...(host === undefined ? {} : { host }),
  };
}

export function trialFromRow(row: TrialRow): StoredTrial {
  return {
    jobId: identifier('job_id', row.job_id),
    runId: identifier('run_id', row.run_id),
    trial: safeInteger('trial', row.trial),
    ...(row.position === null ? {} : { position: row.position }),
    ...(row.host === null ? {} : { host: row.host }),
    result: parseObject('result_json', row.result_json),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function failureFromRow(row: FailureRow): StoredFailure {
  return {
    jobId: row.job_id,
    runId: row.run_id,
    reason: row.reason,
    signal: row.signal,
    at: row.at,
    attempt: row.attempt,
    instanceType: row.instance_type,
  };
}

function objectOf(value: unknown, field: string): JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`Expected an object for ${field} but received ${value === null ? 'null' : Array.isArray(value) ? 'an array' : String(value)}`);
  }
  return value as JsonObject;
}

/** A result to write, every field checked; throws naming the field. */
export function resultRow(value: unknown, field: string): ResultRow {
  const r = objectOf(value, field);
  const result = r.result !== null && typeof r.result === 'object' && !Array.isArray(r.result) ? (r.result as JsonObject) : {};
  const fingerprint = r.fingerprint !== null && typeof r.fingerprint === 'object' && !Array.isArray(r.fingerprint) ? (r.fingerprint as JsonObject) : {};
  const host = r.host === undefined ? hostOf(result, fingerprint) ?? null : identifier(`${field}.host`, r.host);
  return {
    job_id: identifier(`${field}.jobId`, r.jobId),
    run_id: identifier(`${field}.runId`, r.runId),
    kind: oneOf(`${field}.kind`, r.kind, RESULT_KINDS),
    instance_type: identifier(`${field}.instanceType`, r.instanceType),
    path: identifier(`${field}.path`, r.path),
    isa: identifier(`${field}.isa`, r.isa),
    spec_json: jsonObject(`${field}.spec`, r.spec),
    result_json: jsonObject(`${field}.result`, r.result),
    fingerprint_json: jsonObject(`${field}.fingerprint`, r.fingerprint),
    median_ns: optionalNonNegative(`${field}.medianNs`, r.medianNs),
    tokens_per_s: optionalNonNegative(`${field}.tokensPerS`, r.tokensPerS),
    noisy: boolean(`${field}.noisy`, r.noisy) ? 1 : 0,
    // Not checked to be in order: the wall clock may step (NTP) while a job runs.
    started_at: timestamp(`${field}.startedAt`, r.startedAt),
    finished_at: timestamp(`${field}.finishedAt`, r.finishedAt),
    host,
  };
}

/** A trial to write, every field checked. */
export function trialRow(value: NewTrial, field: string): TrialRow {
  const t = objectOf(value, field);
  const trial = safeInteger(`${field}.trial`, t.trial);
  if (trial < 0) throw new RangeError(`Expected a non-negative trial index for ${field}.trial but received ${trial}`);
  const position = t.position === undefined ? null : safeInteger(`${field}.position`, t.position);
  return {
    job_id: identifier(`${field}.jobId`, t.jobId),
    run_id: identifier(`${field}.runId`, t.runId),
    trial,
    position,
    host: t.host === undefined ? null : identifier(`${field}.host`, t.host),
    result_json: jsonObject(`${field}.result`, t.result),
    started_at: timestamp(`${field}.startedAt`, t.startedAt),
    finished_at: timestamp(`${field}.finishedAt`, t.finishedAt),
  };
}
