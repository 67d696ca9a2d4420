/**
 * PRM's history tables as the writer sees them: column names, the types the batch insert casts
 * its arrays to, and the time column. The DDL in migrations/ creates the same columns; the
 * integration tests write every table, so a mismatch fails there.
 */
export type ColumnType = 'text' | 'timestamptz' | 'integer' | 'bigint' | 'double precision' | 'boolean' | 'jsonb';

export interface TableSpec<Row> {
  /** Schema-qualified name. */
  name: string;
  /** The partitioning time column (part of every unique key); absent for a plain table. */
  timeColumn?: keyof Row & string;
  columns: { readonly [K in keyof Row & string]: ColumnType };
}

/** A JSON value stored in a jsonb column. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const SCHEMA = 'prm';

export interface ExecutionRequestRow {
  submitted_at: Date;
  request_id: string;
  user_id: string;
  tier: string;
  priority: number;
  language: string;
  code_bytes: number;
  code_sha256: string;
  deadline: Date | null;
  hint_cpu_ms: number | null;
  hint_memory_bytes: number | null;
  hint_timeout_ms: number | null;
}

export const executionRequests: TableSpec<ExecutionRequestRow> = {
  name: `${SCHEMA}.execution_requests`,
  timeColumn: 'submitted_at',
  columns: {
    submitted_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    tier: 'text',
    priority: 'integer',
    language: 'text',
    code_bytes: 'integer',
    code_sha256: 'text',
    deadline: 'timestamptz',
    hint_cpu_ms: 'double precision',
    hint_memory_bytes: 'bigint',
    hint_timeout_ms: 'bigint',
  },
};

export interface ExecutionTelemetryRow {
  ended_at: Date;
  request_id: string;
  user_id: string;
  instance_id: string;
  started_at: Date;
  cpu_ms: number;
  peak_memory_bytes: number;
  io_read_bytes: number;
  io_write_bytes: number;
  exit_status: string;
  exit_code: number | null;
  allocated_cpu_millicores: number;
  allocated_memory_bytes: number;
  allocated_timeout_ms: number;
  attempt: number;
}

export const executionTelemetry: TableSpec<ExecutionTelemetryRow> = {
  name: `${SCHEMA}.execution_telemetry`,
  timeColumn: 'ended_at',
  columns: {
    ended_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    instance_id: 'text',
    started_at: 'timestamptz',
    cpu_ms: 'double precision',
    peak_memory_bytes: 'bigint',
    io_read_bytes: 'bigint',
    io_write_bytes: 'bigint',
    exit_status: 'text',
    exit_code: 'integer',
    allocated_cpu_millicores: 'integer',
    allocated_memory_bytes: 'bigint',
    allocated_timeout_ms: 'bigint',
    attempt: 'integer',
  },
};

export interface ClusterMetricsRow {
  at: Date;
  pool: string;
  instances_running: number;
  instances_booting: number;
  cpu_capacity_millicores: number;
  memory_capacity_bytes: number;
  cpu_utilization: number;
  memory_utilization: number;
  io_utilization: number;
  queue_depth: number;
  reserved_fraction: number;
}

export const clusterMetrics: TableSpec<ClusterMetricsRow> = {
  name: `${SCHEMA}.cluster_metrics`,
  timeColumn: 'at',
  columns: {
    at: 'timestamptz',
    pool: 'text',
    instances_running: 'integer',
    instances_booting: 'integer',
    cpu_capacity_millicores: 'bigint',
    memory_capacity_bytes: 'bigint',
    cpu_utilization: 'double precision',
    memory_utilization: 'double precision',
    io_utilization: 'double precision',
    queue_depth: 'integer',
    reserved_fraction: 'double precision',
  },
};

export interface DemandPredictionRow {
  predicted_at: Date;
  request_id: string;
  user_id: string;
  submitted_at: Date;
  tier: string;
  priority: number;
  cpu_ms_p50: number;
  cpu_ms_p90: number;
  cpu_ms_p99: number;
  peak_memory_bytes_p50: number;
  peak_memory_bytes_p90: number;
  peak_memory_bytes_p99: number;
  io_bytes_p50: number;
  io_bytes_p90: number;
  io_bytes_p99: number;
  duration_ms_p50: number;
  duration_ms_p90: number;
  duration_ms_p99: number;
  /** { "<model name>": "<version>" } of every component, for error tracking per version. */
  model_versions: Json;
  /** The components as predicted (source, model, weight, quantiles, and a profile's evidence). */
  components: Json;
  profile_observations: number;
}

export const demandPredictions: TableSpec<DemandPredictionRow> = {
  name: `${SCHEMA}.demand_predictions`,
  timeColumn: 'predicted_at',
  columns: {
    predicted_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    submitted_at: 'timestamptz',
    tier: 'text',
    priority: 'integer',
    cpu_ms_p50: 'double precision',
    cpu_ms_p90: 'double precision',
    cpu_ms_p99: 'double precision',
    peak_memory_bytes_p50: 'double precision',
    peak_memory_bytes_p90: 'double precision',
    peak_memory_bytes_p99: 'double precision',
    io_bytes_p50: 'double precision',
    io_bytes_p90: 'double precision',
    io_bytes_p99: 'double precision',
    duration_ms_p50: 'double precision',
    duration_ms_p90: 'double precision',
    duration_ms_p99: 'double precision',
    model_versions: 'jsonb',
    components: 'jsonb',
    profile_observations: 'integer',
  },
};

/** One horizon point of a cluster load forecast per row. */
export interface ClusterLoadForecastRow {
  issued_at: Date;
  forecast_id: string;
  pool: string;
  metric: string;
  step_ms: number;
  model_name: string;
  model_version: string;
  target_at: Date;
  expected: number;
  p50: number;
  p90: number;
  p99: number;
}

export const clusterLoadForecasts: TableSpec<ClusterLoadForecastRow> = {
  name: `${SCHEMA}.cluster_load_forecasts`,
  timeColumn: 'issued_at',
  columns: {
    issued_at: 'timestamptz',
    forecast_id: 'text',
    pool: 'text',
    metric: 'text',
    step_ms: 'bigint',
    model_name: 'text',
    model_version: 'text',
    target_at: 'timestamptz',
    expected: 'double precision',
    p50: 'double precision',
    p90: 'double precision',
    p99: 'double precision',
  },
};

export interface ScaleCommandRow {
  issued_at: Date;
  command_id: string;
  pool: string;
  action: string;
  target_instances: number | null;
  delta_instances: number | null;
  effective_by: Date;
  reason: string;
  explanation: string;
  forecast_id: string | null;
}

export const scaleCommands: TableSpec<ScaleCommandRow> = {
  name: `${SCHEMA}.scale_commands`,
  timeColumn: 'issued_at',
  columns: {
    issued_at: 'timestamptz',
    command_id: 'text',
    pool: 'text',
    action: 'text',
    target_instances: 'integer',
    delta_instances: 'integer',
    effective_by: 'timestamptz',
    reason: 'text',
    explanation: 'text',
    forecast_id: 'text',
  },
};

export interface JobDispatchRow {
  dispatched_at: Date;
  request_id: string;
  user_id: string;
  pool: string;
  instance_id: string;
  allocated_cpu_millicores: number;
  allocated_memory_bytes: number;
  allocated_timeout_ms: number;
  queued_ms: number;
  priority_score: number;
  priority: Json;
  attempt: number;
}

export const jobDispatches: TableSpec<JobDispatchRow> = {
  name: `${SCHEMA}.job_dispatches`,
  timeColumn: 'dispatched_at',
  columns: {
    dispatched_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    pool: 'text',
    instance_id: 'text',
    allocated_cpu_millicores: 'integer',
    allocated_memory_bytes: 'bigint',
    allocated_timeout_ms: 'bigint',
    queued_ms: 'double precision',
    priority_score: 'double precision',
    priority: 'jsonb',
    attempt: 'integer',
  },
};

/** One trained model version and how it validated (a plain table: a few rows per day). */
export interface ModelVersionRow {
  trained_at: Date;
  model_name: string;
  version: string;
  algorithm: string;
  window_start: Date;
  window_end: Date;
  training_rows: number;
  validation_metrics: Json;
  baseline_metrics: Json;
  promoted: boolean;
  artifact_uri: string;
}

export const modelVersions: TableSpec<ModelVersionRow> = {
  name: `${SCHEMA}.model_versions`,
  columns: {
    trained_at: 'timestamptz',
    model_name: 'text',
    version: 'text',
    algorithm: 'text',
    window_start: 'timestamptz',
    window_end: 'timestamptz',
    training_rows: 'bigint',
    validation_metrics: 'jsonb',
    baseline_metrics: 'jsonb',
    promoted: 'boolean',
    artifact_uri: 'text',
  },
};

/** A prediction compared with what the execution used, per model version and quantity. */
export interface PredictionErrorRow {
  observed_at: Date;
  request_id: string;
  user_id: string;
  model_name: string;
  model_version: string;
  /** The predicted quantity: cpu_ms, peak_memory_bytes, io_bytes or duration_ms. */
  quantity: string;
  predicted_p50: number;
  predicted_p90: number;
  actual: number;
}

export const predictionErrors: TableSpec<PredictionErrorRow> = {
  name: `${SCHEMA}.prediction_errors`,
  timeColumn: 'observed_at',
  columns: {
    observed_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    model_name: 'text',
    model_version: 'text',
    quantity: 'text',
    predicted_p50: 'double precision',
    predicted_p90: 'double precision',
    actual: 'double precision',
  },
};

export interface CodeFeaturesRow {
  analyzed_at: Date;
  request_id: string;
  user_id: string;
  language: string;
  parse_status: string;
  code_bytes: number;
  lines: number;
  cyclomatic_complexity: number;
  max_nesting_depth: number;
  loop_count: number;
  max_loop_nesting: number;
  function_count: number;
  recursive_function_count: number;
  import_count: number;
  external_dependencies: Json;
  literal_bytes: number;
  parse_ms: number;
}

export const codeFeatures: TableSpec<CodeFeaturesRow> = {
  name: `${SCHEMA}.code_features`,
  timeColumn: 'analyzed_at',
  columns: {
    analyzed_at: 'timestamptz',
    request_id: 'text',
    user_id: 'text',
    language: 'text',
    parse_status: 'text',
    code_bytes: 'integer',
    lines: 'integer',
    cyclomatic_complexity: 'integer',
    max_nesting_depth: 'integer',
    loop_count: 'integer',
    max_loop_nesting: 'integer',
    function_count: 'integer',
    recursive_function_count: 'integer',
    import_count: 'integer',
    external_dependencies: 'jsonb',
    literal_bytes: 'bigint',
    parse_ms: 'double precision',
  },
};
