// @ts-check
// Appointments: a service, a day from the hall's calendar, a time; the place held and the
// booking confirmed in the citizen's name, its slip printed; looking a booking up to reschedule,
// reprint or cancel it.
import { state } from './state.js';
import { t, lt } from './text.js';
import { h, add, button, heading, problemBox } from './dom.js';
import { api } from './api.js';
import { screens, show, render, act, goHome } from './screen.js';
import { identityChooser } from './card.js';
import { printResult } from './receipt.js';

/**
 * The service's name in the citizen's language.
 * @param {any} service  one of `GET /v1/services`
 * @returns {string}
 */
export function serviceName(service) { return state.lang === 'en' ? service.nameEn : service.nameZh; }
function serviceById(id) { return (state.services || []).find((s) => s.id === id); }
function addDays(date, days) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
function weekday(date) { return new Date(date + 'T00:00:00Z').getUTCDay(); }
/**
 * The wall-clock time in the hall of an instant, by the hall's UTC offset as `/v1/info` gives it.
 * @param {string} instant  an ISO 8601 date and time
 * @returns {string}  `HH:MM`
 */
function localTime(instant) {
  const shifted = new Date(new Date(instant).getTime() + state.info.utcOffsetMinutes * 60000);
  return shifted.toISOString().slice(11, 16);
}

screens['book-service'] = (root) => {
  add(root, heading(t('chooseService')), problemBox(state.problem), h('div', { class: 'tiles' }, (state.services || []).map((service) =>
    button([serviceName(service), h('span', { class: 'sub' }, t('minutes', service.durationMinutes) + (service.afterHours ? ' · ' + t('afterHoursService') : ''))],
      () => act(() => chooseService(service)), { class: 'tile', 'data-service': service.id }))));
  add(root, h('div', { class: 'actions' }, button(t('back'), () => goHome())));
};

async function chooseService(service) {
  const [today] = await api('GET', '/v1/calendar');  // today in the hall's time zone
  const from = today.date;
  const to = addDays(from, Math.max(0, Math.min(service.horizonDays, 30)));
  const [slots, calendar] = await Promise.all([
    api('GET', `/v1/services/${encodeURIComponent(service.id)}/slots?from=${from}&to=${to}`),
    api('GET', `/v1/calendar?from=${from}&to=${to}`)]);
  state.booking = Object.assign({}, state.booking, { serviceId: service.id, from, to, slots, calendar });
  show('book-day');
}

// What a day is, from the server's calendar (holiday, 调休, provisional, hours) and the slots.
function dayReport(date, slots) {
  const day = (state.booking.calendar || []).find((d) => d.date === date) || {};
  const tags = [];
  if (day.kind === 'holiday') tags.push(t('dayHoliday') + (day.holidayName ? ` · ${day.holidayName}` : ''));
  if (day.kind === 'makeupWorkday') tags.push(t('dayMakeup'));
  if (day.provisional) tags.push(t('dayProvisional'));
  if (!slots.length) {
    if (date === state.booking.from && day.opening) tags.push(t('noSlotsLeftToday'));
    else if (day.kind !== 'holiday') tags.push(t('dayClosed'));
  } else {
    if (!slots.some((s) => s.kind !== 'afterHours')) tags.push(t('dayAfterHours'));
    if (slots.every((s) => s.remaining === 0)) tags.push(t('dayFull'));
  }
  return { tags, open: slots.some((s) => s.remaining > 0), kind: day.kind || 'unknown' };
}

screens['book-day'] = (root) => {
  const service = serviceById(state.booking.serviceId);
  add(root, heading(t('chooseDay')), h('p', { class: 'help' }, serviceName(service)), problemBox(state.problem));
  const days = [];
  for (let date = state.booking.from; date <= state.booking.to; date = addDays(date, 1)) days.push(date);
  add(root, h('div', { class: 'days' }, days.map((date) => {
    const slots = state.booking.slots.filter((s) => s.date === date);
    const report = dayReport(date, slots);
    const label = `${t('weekdays')[weekday(date)]} ${date.slice(5)}${date === state.booking.from ? ' · ' + t('dayToday') : ''}`;
    return button([label, report.tags.map((tag) => h('span', { class: 'tag' }, tag))],
      () => show('book-slot', { booking: Object.assign({}, state.booking, { date }) }),
      { class: 'day' + (report.open ? '' : ' closed'), disabled: !report.open, 'data-date': date, 'data-kind': report.kind });
  })));
  add(root, h('div', { class: 'actions' }, button(t('back'), () => show(state.booking.mode === 'reschedule' ? 'lookup' : 'book-service'))));
};

screens['book-slot'] = (root) => {
  const slots = state.booking.slots.filter((s) => s.date === state.booking.date);
  add(root, heading(t('chooseSlot')), h('p', { class: 'help' }, `${serviceName(serviceById(state.booking.serviceId))} · ${state.booking.date}`), problemBox(state.problem));
  add(root, h('div', { class: 'slots' }, slots.map((slot) => {
    const tags = [t('placesLeft', slot.remaining)];
    if (slot.kind === 'lunchDuty') tags.push(t('lunchDuty'));
    if (slot.kind === 'afterHours') tags.push(t('afterHoursSlot'));
    if (slot.provisional) tags.push(t('dayProvisional'));
    return button([`${slot.startTime}–${slot.endTime}`, tags.map((tag) => h('span', { class: 'tag' }, tag))],
      () => act(() => chooseSlot(slot)), { class: 'slot', disabled: slot.remaining === 0, 'data-slot': slot.id });
  })));
  add(root, h('div', { class: 'actions' }, button(t('back'), () => show('book-day'))));
};

async function chooseSlot(slot) {
  if (state.booking.mode === 'reschedule') {
    const booking = await api('POST', `/v1/bookings/${encodeURIComponent(state.booking.code)}/reschedule`,
      Object.assign({ slotId: slot.id }, state.booking.identity), { idempotent: true });
    show('booking-details', { booking: Object.assign({}, state.booking, { record: booking, message: t('rescheduled') }) });
    return;
  }
  // The place is held once the citizen says who they are (a hold names its citizen).
  show('book-confirm', { booking: Object.assign({}, state.booking, { slot }) });
}


screens['book-confirm'] = (root) => {
  const { slot } = state.booking;
  add(root, heading(t('confirmBooking')), problemBox(state.problem),
    h('p', {}, `${serviceName(serviceById(slot.serviceId))} · ${slot.date} ${slot.startTime}–${slot.endTime}`),
    identityChooser(confirmBooking, t('bookWithCard'), t('bookWithNumber')),
    h('div', { class: 'actions' }, button(t('back'), () => show('book-slot'))));
};

// Hold (the place is kept for this citizen), confirm, print the slip: each names the citizen.
async function confirmBooking(identity) {
  const hold = await api('POST', '/v1/holds', Object.assign({ slotId: state.booking.slot.id }, identity), { idempotent: true });
  const record = await api('POST', '/v1/bookings', Object.assign({ holdId: hold.holdId }, identity), { idempotent: true });
  const printed = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/slip`, identity, { idempotent: true });
  show('booking-done', { booking: Object.assign({}, state.booking, { hold, record, receipt: printed.receipt }) });
}

function bookingFacts(record) {
  const service = serviceById(record.serviceId);
  return h('dl', { class: 'review-section' },
    h('dt', {}, t('service')), h('dd', {}, service ? serviceName(service) : record.serviceId),
    h('dt', {}, t('date')), h('dd', { id: 'booking-date' }, record.date),
    h('dt', {}, t('time')), h('dd', { id: 'booking-time' }, `${localTime(record.start)}–${localTime(record.end)}`),
    h('dt', {}, t('status')), h('dd', { id: 'booking-status' }, t('bookingStatus')[record.status] || record.status),
    h('dt', {}, t('idMasked')), h('dd', {}, record.maskedIdNumber));
}

screens['booking-done'] = (root) => {
  const { record, receipt } = state.booking;
  add(root, heading(t('bookedTitle')), problemBox(state.problem), h('p', {}, t('bookingCode')),
    h('p', { class: 'big-code', id: 'booking-code' }, groupedCode(record.code)), bookingFacts(record),
    record.notice ? h('p', { class: 'problem' }, lt(record.notice)) : null,
    printResult(receipt, 'slipPrinted', 'slipNotPrinted', record.code),
    h('div', { class: 'actions' }, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' })));
};

// A booking code in groups of four, easier to read back and to type.
function groupedCode(code) { return (code || '').match(/.{1,4}/g).join('-'); }

// ---- look up, cancel, reschedule ----------------------------------------------------------
screens.lookup = (root) => {
  const code = h('input', { id: 'lookup-code', autocomplete: 'off', value: state.booking.code || '' });
  add(root, heading(t('lookupTitle')), problemBox(state.problem),
    h('div', { class: 'field' }, h('label', { for: 'lookup-code' }, t('bookingCode')), code),
    identityChooser((identity) => lookUp(code.value.trim().toUpperCase(), identity), t('lookUpWithCard'), t('lookUp')),
    h('div', { class: 'actions' }, button(t('back'), () => goHome())));
};

async function lookUp(code, identity) {
  code = code.replace(/[\s-]/g, '');
  const record = await api('POST', '/v1/bookings/lookup', Object.assign({ code }, identity));
  show('booking-details', { booking: { code, identity, record } });
}

screens['booking-details'] = (root) => {
  const { record, identity, message, receipt } = state.booking;
  add(root, heading(t('bookingCode') + ' ' + groupedCode(record.code)), problemBox(state.problem),
    message ? h('p', { class: 'notice-ok', role: 'status', id: 'booking-message' }, message) : null,
    bookingFacts(record), record.notice ? h('p', { class: 'problem' }, lt(record.notice)) : null,
    receipt ? printResult(receipt, 'slipPrinted', 'slipNotPrinted', record.code) : null);
  const actions = h('div', { class: 'actions' });
  if (record.status === 'confirmed') {
    add(actions, 
      button(t('reschedule'), () => act(async () => {
        const service = serviceById(record.serviceId);
        state.booking = Object.assign({}, state.booking, { mode: 'reschedule' });
        await chooseService(service);
      }), { id: 'reschedule-button' }),
      button(t('printSlip'), () => act(async () => {
        const printed = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/slip`, identity, { idempotent: true });
        state.booking = Object.assign({}, state.booking, { receipt: printed.receipt });
        render(false);
      }), { id: 'slip-button' }),
      button(t('cancelBooking'), () => act(async () => {
        const cancelled = await api('POST', `/v1/bookings/${encodeURIComponent(record.code)}/cancel`, identity, { idempotent: true });
        show('booking-details', { booking: Object.assign({}, state.booking, { record: cancelled, message: t('cancelled'), receipt: null }) });
      }), { class: 'danger', id: 'cancel-booking-button' }));
  }
  add(actions, button(t('finish'), () => goHome(), { class: 'primary', id: 'finish-button' }));
  add(root, actions);
};
