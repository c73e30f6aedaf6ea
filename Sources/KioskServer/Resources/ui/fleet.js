// @ts-check
// The technician's fleet page: every terminal of the district from its last heartbeat
// (GET /v1/fleet): last seen, what is wrong, what to bring; a terminal silent for 5 minutes
// is shown so. It signs in on its own with the technician sign-in (POST /v1/staff/sign-in);
// the token lives in this page's memory only and is given up on sign-out.

/**
 * @typedef {{ code: string, deviceId?: string, deviceKind?: string }} FleetProblem
 * @typedef {{ terminalId: string, siteId: string, version: string, lastSeen: string, silent: boolean,
 *   problems: FleetProblem[], bring: string[], outboxPending: number, outboxRefused: number }} FleetTerminal
 * @typedef {{ terminals: FleetTerminal[], silenceSeconds: number }} FleetView
 */

/** What to bring, in both languages (FleetSupply's labels). @type {Record<string, string>} */
const supplies = {
  paperRoll: '热敏纸卷 a paper roll',
  usbCable: 'USB 数据线 a USB cable',
  cutter: '打印机切刀 a printer cutter',
  receiptPrinter: '备用打印机 a spare receipt printer',
  idCardReader: '备用身份证读卡器 a new ID card reader',
  codeScanner: '备用扫码器 a spare code scanner',
};

/** Problems the fleet view names itself; device faults are their codes (docs/DEVICE-FAULTS.md). @type {Record<string, string>} */
const problems = {
  silent: '无上报 silent',
  paperOut: '缺纸 out of paper',
  paperNearEnd: '纸将用完 paper near its end',
  outboxRefused: '区域库拒收记录 outbox records refused',
  deviceOffline: '设备未连接 device not connected',
  deviceMissing: '缺少必需设备 required device missing',
};

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`fleet.html has no #${id}`);
  return found;
}

/** @type {string | null} */
let token = null;

/** @param {string} text */
function showProblem(text) {
  const box = element('fleet-problem');
  box.textContent = text;
  box.hidden = !text;
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function call(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const messages = answer && answer.messages;
    throw new Error(messages ? `${messages['zh-CN']} ${messages.en}` : `HTTP ${response.status}`);
  }
  return answer;
}

/** @param {FleetTerminal} terminal @param {number} now */
function row(terminal, now) {
  const line = document.createElement('tr');
  line.dataset.terminal = terminal.terminalId;
  line.dataset.state = terminal.silent ? 'silent' : terminal.problems.length ? 'problem' : 'ok';
  const name = document.createElement('td');
  name.textContent = `${terminal.siteId} / ${terminal.terminalId} (${terminal.version})`;
  const seen = document.createElement('td');
  const ago = Math.max(0, Math.round((now - Date.parse(terminal.lastSeen)) / 1000));
  seen.textContent = `${new Date(terminal.lastSeen).toLocaleString('zh-CN')} (${ago} s)`;
  const wrong = document.createElement('td');
  wrong.className = 'fleet-problems';
  wrong.textContent = terminal.problems.length
    ? terminal.problems.map((p) => (problems[p.code] || p.code) + (p.deviceId ? ` [${p.deviceId}]` : '')).join('; ')
    : '正常 fine';
  const bring = document.createElement('td');
  bring.className = 'fleet-bring';
  bring.textContent = terminal.bring.map((s) => supplies[s] || s).join('; ');
  line.append(name, seen, wrong, bring);
  return line;
}

async function refresh() {
  try {
    /** @type {FleetView} */
    const view = await call('GET', '/v1/fleet');
    const now = Date.now();
    element('fleet-terminals').querySelector('tbody')?.replaceChildren(...view.terminals.map((t) => row(t, now)));
    const silent = view.terminals.filter((t) => t.silent).length;
    const troubled = view.terminals.filter((t) => !t.silent && t.problems.length).length;
    element('fleet-summary').textContent =
      `${view.terminals.length} 台终端，${silent} 台无上报，${troubled} 台有问题 / ` +
      `${view.terminals.length} terminals, ${silent} silent, ${troubled} need a look`;
    showProblem('');
  } catch (error) {
    showProblem(error instanceof Error ? error.message : String(error));
  }
}

/** @param {SubmitEvent} event */
async function signIn(event) {
  event.preventDefault();
  const number = /** @type {HTMLInputElement} */ (element('fleet-number')).value.trim();
  const pin = /** @type {HTMLInputElement} */ (element('fleet-pin')).value;
  try {
    const signedIn = await call('POST', '/v1/staff/sign-in', { number, pin });
    token = signedIn.token;
    element('fleet-sign-in').hidden = true;
    element('fleet').hidden = false;
    await refresh();
  } catch (error) {
    showProblem(error instanceof Error ? error.message : String(error));
  }
}

async function signOut() {
  try { await call('POST', '/v1/staff/sign-out'); } catch { /* the token is dropped either way */ }
  token = null;
  /** @type {HTMLInputElement} */ (element('fleet-pin')).value = '';
  element('fleet').hidden = true;
  element('fleet-sign-in').hidden = false;
  element('fleet-terminals').querySelector('tbody')?.replaceChildren();
}

element('fleet-sign-in').addEventListener('submit', (event) => { void signIn(/** @type {SubmitEvent} */ (event)); });
element('fleet-refresh').addEventListener('click', () => { void refresh(); });
element('fleet-sign-out').addEventListener('click', () => { void signOut(); });
// Every 30 s while signed in: a heartbeat comes every minute.
setInterval(() => { if (token) void refresh(); }, 30_000);
document.body.dataset.ready = 'true';
