// omni-rollup command center. Renders one GET /api/v2/dashboard, then follows the live stream
// (GET /api/v2/events/stream): `metrics` frames refresh every number, `event.received` and `instance.status` frames
// feed the activity list. Every number shown comes from the server; the only numbers this page computes itself are
// counts of the frames it received, and they are labelled as such.
'use strict';

(() => {
  const STORAGE_KEY = 'omni-rollup.api-key';
  const FEED_LIMIT = 200;
  const STATUS_LIMIT = 6;
  const SLOT_MS = 10_000;
  const SLOTS = 30; // the live sparkline: 5 minutes in 10-second slots
  const MAX_RETRY_MS = 30_000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CHANNEL_COLORS = {
    'whatsapp-baileys': '#25d366',
    'whatsapp-cloud': '#5eead4',
    discord: '#818cf8',
    telegram: '#38bdf8',
    slack: '#f472b6',
  };
  const SPARE_COLORS = ['#fbbf24', '#fb7185', '#a78bfa', '#f97316'];

  const $ = (id) => document.getElementById(id);
  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

  const state = {
    key: null,
    source: null,
    lastEventId: null,
    retryMs: 1000,
    retryTimer: 0,
    metricsAt: 0,
    metricsIntervalMs: 5000,
    metricsFrames: 0,
    eventsAvailable: true,
    pending: [],
    flushQueued: false,
    streamed: 0,
    slots: new Map(), // slot start ms -> events seen in it
    statuses: [],
  };

  // ------------------------------------------------------------------ formatting

  function count(n) {
    return Math.abs(n) >= 1e7 ? compact.format(n) : integer.format(n);
  }

  function rate(x) {
    if (x === 0) return '0';
    if (x >= 100) return integer.format(x);
    if (x >= 10) return x.toFixed(1);
    return x.toFixed(2);
  }

  function percent(x) {
    if (x === 0) return '0%';
    if (x === 100) return '100%';
    if (x < 0.01) return '<0.01%';
    if (x > 99.9) return '>99.9%';
    return (x < 10 ? x.toFixed(2) : x.toFixed(1)) + '%';
  }

  function uptime(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    if (d > 0) return `${d}d ${h}h`;
    if (h > 0) return `${h}h ${m}m`;
    if (m > 0) return `${m}m`;
    return `${seconds}s`;
  }

  function clock(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '--:--:--' : date.toTimeString().slice(0, 8);
  }

  function channelColor(name, index) {
    return CHANNEL_COLORS[name] || SPARE_COLORS[index % SPARE_COLORS.length];
  }

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined) element.textContent = text;
    return element;
  }

  function svg(tag, attributes) {
    const element = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, String(value));
    return element;
  }

  // ------------------------------------------------------------------ tiles and charts

  function tile(id, text, value, sub, tone) {
    const article = $(id);
    const valueElement = article.querySelector('.value');
    if (valueElement.dataset.value !== String(value) && valueElement.dataset.value !== '') {
      article.classList.remove('flash');
      void article.offsetWidth; // restart the animation
      article.classList.add('flash');
    }
    valueElement.textContent = text;
    valueElement.dataset.value = String(value);
    article.querySelector('.sub').textContent = sub;
    article.dataset.tone = tone || '';
  }

  function sparkline(element, values) {
    const max = Math.max(1, ...values);
    const n = values.length;
    const points = values.map((v, i) => {
      const x = n <= 1 ? 100 : (i / (n - 1)) * 100;
      const y = 30 - (v / max) * 28;
      return `${x.toFixed(2)},${y.toFixed(2)}`;
    });
    const line = points.length ? 'M' + points.join(' L') : '';
    element.querySelector('.line').setAttribute('d', line);
    element.querySelector('.area').setAttribute('d', line ? `${line} L100,32 L0,32 Z` : '');
    element.dataset.total = String(values.reduce((a, b) => a + b, 0));
    element.dataset.points = values.join(',');
  }

  function timelineChart(timeline) {
    const chart = $('timeline');
    chart.replaceChildren();
    const width = 800;
    const height = 230;
    const left = 46;
    const bottom = 24;
    const top = 18;
    const plotWidth = width - left - 8;
    const plotHeight = height - bottom - top;
    const counts = timeline.map((b) => b.count);
    const max = Math.max(...counts, 0);
    const scale = max === 0 ? 1 : niceCeiling(max);
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plotHeight - fraction * plotHeight;
      chart.append(svg('line', { class: 'grid', x1: left, x2: width - 8, y1: y, y2: y }));
      const label = svg('text', { class: 'axis end', x: left - 8, y: y + 4 });
      label.textContent = max === 0 && fraction > 0 ? '' : count(Math.round(scale * fraction));
      chart.append(label);
    }
    const n = Math.max(timeline.length, 1);
    const slot = plotWidth / n;
    timeline.forEach((bucket, i) => {
      const h = (bucket.count / scale) * plotHeight;
      const x = left + i * slot + slot * 0.16;
      const rect = svg('rect', {
        class: i === timeline.length - 1 ? 'bar now' : 'bar',
        x: x.toFixed(1),
        y: (top + plotHeight - h).toFixed(1),
        width: (slot * 0.68).toFixed(1),
        height: Math.max(h, bucket.count > 0 ? 1.5 : 0).toFixed(1),
        rx: 2,
      });
      const title = svg('title');
      title.textContent = `${bucket.bucket} UTC: ${integer.format(bucket.count)} events`;
      rect.append(title);
      chart.append(rect);
      const hour = bucket.bucket.slice(11, 16);
      if (i % 3 === 0 || i === timeline.length - 1) {
        const label = svg('text', { class: 'axis mid', x: (left + i * slot + slot / 2).toFixed(1), y: height - 6 });
        label.textContent = i === timeline.length - 1 ? 'now' : hour;
        chart.append(label);
      }
    });
    if (max > 0) {
      const peak = counts.indexOf(max);
      const label = svg('text', {
        class: 'peak',
        x: (left + peak * slot + slot / 2).toFixed(1),
        y: (top + plotHeight - (max / scale) * plotHeight - 5).toFixed(1),
      });
      label.textContent = count(max);
      chart.append(label);
    }
    chart.dataset.total = String(counts.reduce((a, b) => a + b, 0));
    chart.dataset.buckets = String(timeline.length);
  }

  function niceCeiling(value) {
    const magnitude = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (step * magnitude >= value) return step * magnitude;
    }
    return 10 * magnitude;
  }

  function channels(byChannel, total) {
    const list = $('channel-list');
    const entries = Object.entries(byChannel).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    list.replaceChildren(...entries.map(([name, n], i) => {
      const item = node('li');
      item.dataset.channel = name;
      const label = node('span', 'name');
      const dot = node('i', 'dot');
      dot.style.background = channelColor(name, i);
      label.append(dot, document.createTextNode(name));
      const track = node('span', 'track');
      const fill = node('span', 'fill');
      fill.style.width = `${total > 0 ? (n / total) * 100 : 0}%`;
      fill.style.background = channelColor(name, i);
      track.append(fill);
      item.append(label, node('span', 'count', count(n)), node('span', 'pct', total > 0 ? percent((n / total) * 100) : '–'), track);
      return item;
    }));
    $('channels-empty').hidden = entries.length > 0;
    $('channels-total').textContent = `${count(total)} events`;
  }

  function direction(byDirection) {
    const total = byDirection.inbound + byDirection.outbound;
    const inShare = total > 0 ? (byDirection.inbound / total) * 100 : 0;
    const outShare = total > 0 ? (byDirection.outbound / total) * 100 : 0;
    $('direction-in-bar').style.width = `${inShare}%`;
    $('direction-out-bar').style.width = `${outShare}%`;
    $('direction-in').textContent = count(byDirection.inbound);
    $('direction-in').dataset.value = String(byDirection.inbound);
    $('direction-out').textContent = count(byDirection.outbound);
    $('direction-out').dataset.value = String(byDirection.outbound);
    $('direction-in-pct').textContent = total > 0 ? percent(inShare) : '–';
    $('direction-out-pct').textContent = total > 0 ? percent(outShare) : '–';
  }

  function instances(data) {
    const share = data.total > 0 ? (data.connected / data.total) * 100 : 0;
    const meter = $('instance-meter');
    meter.setAttribute('stroke-dasharray', `${share.toFixed(2)} 100`);
    meter.setAttribute('visibility', share > 0 ? 'visible' : 'hidden'); // a round cap would draw a dot at 0
    $('instance-count').textContent = `${count(data.connected)}/${count(data.total)}`;
    $('instance-gauge').dataset.connected = String(data.connected);
    const entries = Object.entries(data.byChannel).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    const list = $('instance-channels');
    if (entries.length === 0) {
      list.replaceChildren(node('li', 'empty', 'No instances registered in Omni.'));
      return;
    }
    list.replaceChildren(...entries.map(([name, n], i) => {
      const item = node('li');
      const label = node('span');
      const dot = node('i', 'dot');
      dot.style.background = channelColor(name, i);
      label.append(dot, document.createTextNode(name));
      item.append(label, node('b', '', count(n)));
      return item;
    }));
  }

  function system(data) {
    const status = $('sys-status');
    status.textContent = data.status;
    status.dataset.state = data.status === 'healthy' ? 'ok' : 'bad';
    $('sys-db').textContent = `${data.dbLatency} ms`;
    const nats = $('sys-nats');
    nats.textContent = data.natsConnected ? 'connected' : 'down';
    nats.dataset.state = data.natsConnected ? 'ok' : 'bad';
    $('sys-uptime').textContent = uptime(data.uptime);
  }

  function renderDashboard(d) {
    const e = d.events;
    tile('tile-hour', count(e.lastHour), e.lastHour, `${rate(e.perMinute)} per minute on average`);
    tile('tile-day', count(e.last24h), e.last24h, `${rate(e.perHour)} per hour on average`);
    sparkline($('spark-day'), e.timeline.map((b) => b.count));
    tile('tile-rate', rate(e.perMinute), e.perMinute, liveLine());
    if (e.total === 0) {
      tile('tile-failure', '–', 0, 'no events yet', 'none');
    } else {
      const tone = e.failureRate >= 5 ? 'bad' : e.failureRate >= 1 ? 'warn' : 'ok';
      tile('tile-failure', percent(e.failureRate), e.failureRate, `all time, of ${count(e.total)} events`, tone);
    }
    const dead = d.deadLetters;
    tile('tile-dead', count(dead.pending), dead.pending, `${count(dead.total)} dead letters in all`,
      dead.pending > 0 ? 'warn' : 'ok');
    const auto = d.automations;
    const engine = auto.running ? 'engine running' : 'engine idle';
    if (auto.totalExecutions === 0) {
      tile('tile-automation', '–', 0, `no executions yet · ${engine}`, 'none');
    } else {
      const tone = auto.successRate >= 95 ? 'ok' : auto.successRate >= 80 ? 'warn' : 'bad';
      tile('tile-automation', percent(auto.successRate), auto.successRate,
        `${count(auto.totalExecutions)} executions · ${engine}`, tone);
    }
    timelineChart(e.timeline);
    channels(e.byChannel, e.last24h);
    direction(e.byDirection);
    instances(d.instances);
    system(d.system);
    state.metricsAt = Date.now();
    state.metricsFrames += 1;
    document.body.dataset.metricsFrames = String(state.metricsFrames);
    freshness();
  }

  // ------------------------------------------------------------------ live counts (frames this page received)

  function countArrival() {
    const slot = Math.floor(Date.now() / SLOT_MS) * SLOT_MS;
    state.slots.set(slot, (state.slots.get(slot) || 0) + 1);
  }

  function liveSeries() {
    const now = Math.floor(Date.now() / SLOT_MS) * SLOT_MS;
    for (const slot of state.slots.keys()) {
      if (slot <= now - SLOTS * SLOT_MS) state.slots.delete(slot);
    }
    const values = [];
    for (let i = SLOTS - 1; i >= 0; i--) values.push(state.slots.get(now - i * SLOT_MS) || 0);
    return values;
  }

  function liveLine() {
    if (!state.eventsAvailable) return 'last-hour average · no live feed';
    const values = liveSeries();
    const lastMinute = values.slice(-6).reduce((a, b) => a + b, 0);
    return `last-hour average · ${count(lastMinute)} streamed in the last minute`;
  }

  function freshness() {
    const chip = $('freshness');
    if (state.metricsAt === 0) {
      chip.textContent = 'no data yet';
      return;
    }
    const age = Math.max(0, Math.round((Date.now() - state.metricsAt) / 1000));
    chip.textContent = age <= 1 ? 'updated just now' : `updated ${age}s ago`;
    chip.classList.toggle('stale', Date.now() - state.metricsAt > 3 * state.metricsIntervalMs + 2000);
  }

  function tick() {
    freshness();
    sparkline($('spark-live'), liveSeries());
    $('tile-rate').querySelector('.sub').textContent = liveLine();
  }

  // ------------------------------------------------------------------ feed

  function enqueue(entry) {
    state.pending.push(entry);
    if (state.pending.length > FEED_LIMIT) state.pending.splice(0, state.pending.length - FEED_LIMIT);
    if (!state.flushQueued) {
      state.flushQueued = true;
      requestAnimationFrame(flush);
    }
  }

  function flush() {
    state.flushQueued = false;
    const entries = state.pending;
    state.pending = [];
    const feed = $('feed');
    const fragment = document.createDocumentFragment();
    for (let i = entries.length - 1; i >= 0; i--) fragment.append(feedItem(entries[i]));
    feed.prepend(fragment);
    while (feed.childElementCount > FEED_LIMIT) feed.lastElementChild.remove();
    $('feed-empty').hidden = feed.childElementCount > 0;
    $('feed-stats').textContent = `${count(state.streamed)} events streamed`;
    feed.dataset.streamed = String(state.streamed);
  }

  function feedItem(entry) {
    const item = node('li', `fresh ${entry.kind}`);
    item.append(node('time', '', clock(entry.at)));
    if (entry.kind === 'notice') {
      item.append(node('span', '', entry.text));
      return item;
    }
    if (entry.kind === 'status') {
      const up = entry.data.isConnected;
      item.dataset.instance = entry.data.instanceId;
      item.append(node('span', `badge ${up ? 'connected' : 'disconnected'}`, up ? 'connected' : 'disconnected'));
      const what = node('span', 'what', 'instance');
      what.append(node('small', '', entry.data.instanceId.slice(0, 8)));
      item.append(what, node('span', 'dir', ''));
      return item;
    }
    const e = entry.data;
    const action = e.eventType.replace('message.', '');
    item.classList.add('feed-event');
    item.dataset.id = e.id;
    item.dataset.type = e.eventType;
    item.append(node('span', `badge ${action}`, action));
    const what = node('span', 'what', e.channel);
    if (e.instanceId) what.append(node('small', '', e.instanceId.slice(0, 8)));
    if (e.contentType) what.append(node('small', '', e.contentType));
    if (e.errorStage) what.append(node('span', 'err', e.errorStage));
    item.append(what, node('span', 'dir', e.direction === 'inbound' ? '↓ in' : '↑ out'));
    return item;
  }

  function notice(text) {
    enqueue({ kind: 'notice', at: new Date().toISOString(), text });
  }

  function onStatus(data) {
    state.statuses.unshift(data);
    state.statuses.length = Math.min(state.statuses.length, STATUS_LIMIT);
    $('status-list').replaceChildren(...state.statuses.map((s) => {
      const item = node('li');
      item.append(node('code', '', s.instanceId.slice(0, 8)),
        node('span', s.isConnected ? 'up' : 'down', s.isConnected ? '● connected' : '● disconnected'),
        node('time', '', clock(s.changedAt)));
      return item;
    }));
    $('status-empty').hidden = true;
    enqueue({ kind: 'status', at: data.changedAt, data });
  }

  // ------------------------------------------------------------------ connection

  function setConnection(kind) {
    const labels = {
      idle: 'not connected',
      connecting: 'connecting',
      live: 'live',
      'metrics-only': 'metrics only',
      reconnecting: 'reconnecting',
      offline: 'offline',
    };
    $('connection').dataset.state = kind;
    $('connection-text').textContent = labels[kind] || kind;
  }

  function remember(event) {
    if (event.lastEventId) state.lastEventId = event.lastEventId;
  }

  function openStream() {
    closeStream();
    const params = new URLSearchParams({ api_key: state.key });
    if (state.lastEventId) params.set('lastEventId', state.lastEventId);
    const source = new EventSource(`/api/v2/events/stream?${params}`);
    state.source = source;
    setConnection('connecting');
    source.addEventListener('ready', (event) => {
      const hadPosition = state.lastEventId !== null;
      remember(event);
      const ready = JSON.parse(event.data);
      state.retryMs = 1000;
      state.eventsAvailable = ready.eventsAvailable;
      state.metricsIntervalMs = ready.metricsIntervalMs;
      setConnection(ready.eventsAvailable ? 'live' : 'metrics-only');
      if (!ready.eventsAvailable) {
        $('feed-empty').textContent = 'No live event feed: this API has no NATS connection. Metrics still update.';
      } else if (hadPosition && !ready.resumed) {
        notice('Stream restarted; events from the gap are not shown.');
      }
    });
    source.addEventListener('metrics', (event) => {
      remember(event);
      renderDashboard(JSON.parse(event.data));
    });
    source.addEventListener('event.received', (event) => {
      remember(event);
      state.streamed += 1;
      countArrival();
      const data = JSON.parse(event.data);
      enqueue({ kind: 'event', at: data.receivedAt, data });
    });
    source.addEventListener('instance.status', (event) => {
      remember(event);
      onStatus(JSON.parse(event.data));
    });
    source.addEventListener('dropped', (event) => {
      remember(event);
      const dropped = JSON.parse(event.data);
      notice(`${count(dropped.count)} events skipped: this page fell behind the stream.`);
    });
    source.onerror = () => {
      if (source !== state.source) return;
      if (source.readyState === EventSource.CLOSED) {
        closeStream();
        setConnection('offline');
        scheduleRecovery();
      } else {
        setConnection('reconnecting');
      }
    };
  }

  function closeStream() {
    if (state.source) {
      state.source.close();
      state.source = null;
    }
  }

  function scheduleRecovery() {
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(recover, state.retryMs);
    state.retryMs = Math.min(state.retryMs * 2, MAX_RETRY_MS);
  }

  // After the browser gave up on the stream (it does on any HTTP error): ask the summary endpoint why.
  async function recover() {
    try {
      const response = await fetchDashboard(state.key);
      if (response.status === 401) {
        forgetKey('The API key is no longer accepted. Enter another one.');
        return;
      }
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      renderDashboard(await response.json());
      openStream();
    } catch (error) {
      setConnection('offline');
      scheduleRecovery();
    }
  }

  function fetchDashboard(key) {
    return fetch('/api/v2/dashboard', { headers: { 'x-api-key': key }, cache: 'no-store' });
  }

  async function connect(key, fromForm) {
    setConnection('connecting');
    let response;
    try {
      response = await fetchDashboard(key);
    } catch (error) {
      if (fromForm) {
        askKey('The server does not answer. Try again in a moment.');
      } else {
        state.key = key;
        setConnection('offline');
        scheduleRecovery();
      }
      return;
    }
    if (response.status === 401) {
      sessionStorage.removeItem(STORAGE_KEY);
      askKey(fromForm ? 'That key was not accepted.' : 'The saved key is no longer accepted.');
      setConnection('idle');
      return;
    }
    if (!response.ok) {
      askKey(response.status === 429 ? 'Too many requests for this key; wait a minute.'
        : `The server answered ${response.status}. Try again in a moment.`);
      setConnection('idle');
      return;
    }
    sessionStorage.setItem(STORAGE_KEY, key);
    state.key = key;
    $('login').hidden = true;
    renderDashboard(await response.json());
    openStream();
  }

  function askKey(message) {
    $('login').hidden = false;
    $('login-error').textContent = message || '';
    const input = $('key-input');
    input.value = '';
    input.focus();
  }

  function forgetKey(message) {
    closeStream();
    clearTimeout(state.retryTimer);
    sessionStorage.removeItem(STORAGE_KEY);
    state.key = null;
    state.lastEventId = null;
    setConnection('idle');
    askKey(message);
  }

  function start() {
    $('login-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const key = $('key-input').value.trim();
      if (key) connect(key, true);
    });
    $('change-key').addEventListener('click', () => forgetKey(''));
    setInterval(tick, 1000);
    tick();
    const saved = sessionStorage.getItem(STORAGE_KEY);
    if (saved) {
      connect(saved, false);
    } else {
      askKey('');
    }
  }

  start();
})();
