/**
 * The container form of the local stack, for machines with a Docker engine: docker-compose.yml
 * and the Testcontainers path of the test setup both follow these values, and a unit test holds
 * docker-compose.yml to them.
 */
export const images = {
  kafka: 'apache/kafka:4.1.1',
  schemaRegistry: 'confluentinc/cp-schema-registry:8.1.0',
  timescale: 'timescale/timescaledb:latest-pg17',
} as const;

/** Ports inside the containers. */
export const containerPorts = { kafka: 9092, kafkaInternal: 29092, kafkaController: 9093, schemaRegistry: 8081, timescale: 5432 } as const;

/**
 * Environment of the apache/kafka image for one KRaft broker+controller. `advertisedPort` is the
 * port clients on the host reach (it may differ from the container's); `internalHost` is the
 * name other containers use (the registry). Same single-node settings as stack/kafka/server-properties.ts.
 */
export function kafkaContainerEnv(advertisedPort: string | number, internalHost: string): Record<string, string> {
  return {
    KAFKA_NODE_ID: '1',
    KAFKA_PROCESS_ROLES: 'broker,controller',
    KAFKA_LISTENERS: `PLAINTEXT://:${containerPorts.kafka},INTERNAL://:${containerPorts.kafkaInternal},CONTROLLER://:${containerPorts.kafkaController}`,
    KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${advertisedPort},INTERNAL://${internalHost}:${containerPorts.kafkaInternal}`,
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
    KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
    KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${containerPorts.kafkaController}`,
    KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
    KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
    KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
    KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    KAFKA_NUM_PARTITIONS: '1',
  };
}

/** Environment of the Confluent Schema Registry image, storing schemas in Kafka at `kafkaHost`. */
export function schemaRegistryContainerEnv(kafkaHost: string): Record<string, string> {
  return {
    SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
    SCHEMA_REGISTRY_LISTENERS: `http://0.0.0.0:${containerPorts.schemaRegistry}`,
    SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: `PLAINTEXT://${kafkaHost}:${containerPorts.kafkaInternal}`,
  };
}

/** Environment of the TimescaleDB image: user postgres, trust auth, as the embedded one. */
export const timescaleContainerEnv: Record<string, string> = { POSTGRES_HOST_AUTH_METHOD: 'trust' };
