import type { SettingSpec } from '../settings';

/** Where lifecycle events go (every envoy): an HTTP endpoint, a RabbitMQ exchange, or both. */
export const EVENT_SETTINGS: readonly SettingSpec[] = [
  {
    key: 'envoys.events.url',
    env: 'ENVOY_EVENTS_URL',
    type: 'url',
    protocols: ['http:', 'https:'],
    description: 'HTTP endpoint of the workflow system that gets every lifecycle event as a JSON POST (user:password@ in the URL becomes Basic authentication)',
  },
  {
    key: 'envoys.events.amqpUrl',
    env: 'ENVOY_EVENTS_AMQP_URL',
    type: 'url',
    protocols: ['amqp:', 'amqps:'],
    description: 'RabbitMQ broker that gets every lifecycle event, e.g. amqp://user:password@broker:5672/vhost',
  },
  {
    key: 'envoys.events.exchange',
    env: 'ENVOY_EVENTS_EXCHANGE',
    type: 'string',
    default: 'envoys',
    description: 'the RabbitMQ topic exchange of the events (routing key <envoy>.<event>)',
  },
  {
    key: 'envoys.events.timeoutSeconds',
    env: 'ENVOY_EVENTS_TIMEOUT_SECONDS',
    type: 'number',
    min: 0.1,
    max: 600,
    default: 5,
    description: 'time limit of one delivery attempt of an event, seconds (3 attempts with back-off)',
  },
];
