/**
 * Home Assistant MQTT discovery, pure: the retained config messages that make a station appear
 * in Home Assistant as one device, reading the topics the daemon already publishes (no extra
 * traffic: counts come from the periodic `stats`, not a recorder write per part) and writing the
 * commands it already takes:
 *
 *   sensor        reject_count, inspected, errors, reject_rate (%) ← <prefix>/<station>/stats
 *   sensor        last_score, last_verdict                         ← <prefix>/<station>/result
 *   binary_sensor status                                           ← <prefix>/<station>/status 'online' / 'offline'
 *   number        threshold    ← …/threshold,   → …/set/threshold   {"value": x, "who": "home-assistant"}
 *   switch        paused       ← …/paused,      → …/set/paused      {"value": true|false}
 *   select        save_images  ← …/save_images, → …/set/save_images {"value": "rejects"|"all"|"none"}
 *
 * The two sensors are available while the retained status is 'online' (the daemon's Last-Will
 * sets 'offline'). The status binary sensor reads that same topic as its state instead: given
 * the topic as its availability too, it could never be 'off', only 'unavailable'.
 * Publish every message retained, QoS 1, after connecting (and again after Home Assistant
 * restarts, when it announces `<discovery>/status` = 'online'); publish `removalMessages` to
 * remove the device.
 */

export interface HaDiscoveryOptions {
  /** MQTT topic prefix of the daemon (config mqtt.topic_prefix). */
  topicPrefix: string;
  station: string;
  /** Home Assistant's discovery prefix. Default 'homeassistant'. */
  discoveryPrefix?: string;
  /** Shown on the device page. */
  model?: string;
  swVersion?: string;
  /** Link from the device page to the dashboard, e.g. http://station-7.local:8080/ */
  configurationUrl?: string;
}

export interface RetainedMessage {
  topic: string;
  /** JSON config, or '' to remove the entity. */
  payload: string;
  qos: 1;
  retain: true;
}

/** Home Assistant allows only [a-zA-Z0-9_-] in node and object ids; other characters become '_'. */
export function haNodeId(station: string): string {
  return `inspectd_${station.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

interface Entity {
  component: 'sensor' | 'binary_sensor' | 'number' | 'switch' | 'select';
  object: string;
  config: Record<string, unknown>;
  availability: boolean;
}

function entities(o: HaDiscoveryOptions): Entity[] {
  const base = `${o.topicPrefix}/${o.station}`;
  const stat = (...a: Parameters<typeof statSensor>): Entity => {
    const e = statSensor(...a);
    e.config.state_topic = `${base}/stats`;
    return e;
  };
  return [
    {
      component: 'sensor',
      object: 'reject_count',
      availability: true,
      config: {
        name: 'Rejected parts',
        state_topic: `${base}/stats`,
        value_template: '{{ value_json.rejected }}',
        // The count restarts at 0 when the daemon restarts: total_increasing treats that as a reset.
        state_class: 'total_increasing',
        unit_of_measurement: 'parts',
        icon: 'mdi:close-octagon',
      },
    },
    {
      component: 'sensor',
      object: 'last_score',
      availability: true,
      config: {
        name: 'Last score',
        state_topic: `${base}/result`,
        // The decision score, not `ssim` (that is the mean SSIM, present only on some frames). It is
        // null for a frame that could not be inspected: it renders 'None', which HA shows as unknown.
        value_template: '{{ value_json.score }}',
        state_class: 'measurement',
        suggested_display_precision: 4,
        icon: 'mdi:gauge',
      },
    },
    stat('inspected', 'Inspected parts', '{{ value_json.inspected }}', 'parts', 'mdi:counter', 'total_increasing'),
    stat('errors', 'Parts not inspected', '{{ value_json.errors }}', 'parts', 'mdi:alert', 'total_increasing'),
    stat('reject_rate', 'Reject rate', "{{ ((value_json.rejected / value_json.inspected) * 100) | round(1) if value_json.inspected else 0 }}", '%', 'mdi:percent', 'measurement'),
    {
      component: 'sensor',
      object: 'last_verdict',
      availability: true,
      config: { name: 'Last verdict', state_topic: `${base}/result`, value_template: '{{ value_json.verdict }}', icon: 'mdi:check-decagram' },
    },
    {
      component: 'number',
      object: 'threshold',
      availability: true,
      config: {
        name: 'Threshold', state_topic: `${base}/threshold`, value_template: '{{ value_json.value }}',
        command_topic: `${base}/set/threshold`, command_template: '{"value": {{ value }}, "who": "home-assistant"}',
        min: -1, max: 1, step: 0.0001, mode: 'box', entity_category: 'config', icon: 'mdi:tune-vertical',
      },
    },
    {
      component: 'switch',
      object: 'paused',
      availability: true,
      config: {
        name: 'Paused', state_topic: `${base}/paused`, value_template: "{{ 'ON' if value_json.value else 'OFF' }}",
        command_topic: `${base}/set/paused`, payload_on: '{"value": true}', payload_off: '{"value": false}', state_on: 'ON', state_off: 'OFF', icon: 'mdi:pause-octagon',
      },
    },
    {
      component: 'select',
      object: 'save_images',
      availability: true,
      config: {
        name: 'Save images', state_topic: `${base}/save_images`, value_template: '{{ value_json.value }}',
        command_topic: `${base}/set/save_images`, command_template: '{"value": "{{ value }}"}', options: ['rejects', 'all', 'none'], entity_category: 'config', icon: 'mdi:image-multiple',
      },
    },
    {
      component: 'binary_sensor',
      object: 'status',
      availability: false,
      config: {
        name: 'Status',
        state_topic: `${base}/status`,
        payload_on: 'online',
        payload_off: 'offline',
        device_class: 'connectivity',
      },
    },
  ];
}

function statSensor(object: string, name: string, value_template: string, unit: string, icon: string, state_class: string): Entity {
  return { component: 'sensor', object, availability: true, config: { name, state_topic: '', value_template, unit_of_measurement: unit, icon, state_class } };
}

export function configTopic(discoveryPrefix: string, component: string, node: string, object: string): string {
  return `${discoveryPrefix}/${component}/${node}/${object}/config`;
}

/** The retained discovery config messages for one station. */
export function haDiscoveryMessages(o: HaDiscoveryOptions): RetainedMessage[] {
  const node = haNodeId(o.station);
  const disc = o.discoveryPrefix ?? 'homeassistant';
  const device: Record<string, unknown> = {
    identifiers: [node],
    name: `inspectd ${o.station}`,
    manufacturer: 'inspectd',
    model: o.model ?? 'inspection station',
  };
  if (o.swVersion) device.sw_version = o.swVersion;
  if (o.configurationUrl) device.configuration_url = o.configurationUrl;
  return entities(o).map((e) => {
    const cfg: Record<string, unknown> = { ...e.config, unique_id: `${node}_${e.object}`, device, origin: { name: 'inspectd' } };
    if (e.availability) {
      cfg.availability_topic = `${o.topicPrefix}/${o.station}/status`;
      cfg.payload_available = 'online';
      cfg.payload_not_available = 'offline';
    }
    return { topic: configTopic(disc, e.component, node, e.object), payload: JSON.stringify(cfg), qos: 1, retain: true };
  });
}

/** Empty retained payloads on the same topics: Home Assistant removes the entities. */
export function haRemovalMessages(o: HaDiscoveryOptions): RetainedMessage[] {
  return haDiscoveryMessages(o).map((m) => ({ ...m, payload: '' }));
}
