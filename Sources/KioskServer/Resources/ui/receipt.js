// @ts-check
// What a print left the citizen with: the receipt printed, or its QR code on the screen with
// the reason and a reprint (filing receipts, booking slips).
import { t } from './text.js';
import { h, add, button, announce } from './dom.js';
import { api } from './api.js';
import { act, render, printingUnavailable } from './screen.js';

/**
 * The QR code of `text`, drawn by the server.
 * @param {string} text
 * @param {string} [label]  what the image's alternative text names
 */
export function qrImage(text, label = text) {
  return h('img', { class: 'qr', id: 'receipt-qr', src: '/v1/qr-code?text=' + encodeURIComponent(text), alt: t('qrAlt', label) });
}

/**
 * The outcome of a print: a line when printed; else why not, the QR code and a reprint button.
 * @param {any} receipt  the print's outcome as the server answered it (`state`, `reason`, `jobId`)
 * @param {string} printedKey  the text key said when it printed
 * @param {string} failedKey  the text key said when it did not (`{0}` the reason)
 * @param {string} qrText
 * @param {string} [qrLabel]
 * @returns {HTMLElement}
 */
export function printResult(receipt, printedKey, failedKey, qrText, qrLabel = qrText) {
  if (!receipt || receipt.state === 'printed') return h('div', { class: 'notice-ok', role: 'status', id: 'print-result' }, t(printedKey));
  const why = t('printReasons')[receipt.reason || receipt.state] || receipt.reason || receipt.state;
  // Announced before the filing began: the QR code is the receipt, not a failure at the end.
  const box = printingUnavailable()
    ? h('div', { class: 'notice', role: 'status', id: 'print-result' }, h('p', {}, t('receiptAsQR', why)), qrImage(qrText, qrLabel))
    : h('div', { class: 'problem', role: 'alert', id: 'print-result' }, h('p', {}, t(failedKey, why)), qrImage(qrText, qrLabel));
  if (receipt.jobId) add(box, h('div', { class: 'actions' }, button(t('reprint'), () => act(async () => {
    const again = await api('POST', `/v1/print-jobs/${encodeURIComponent(receipt.jobId)}/reprint`, undefined, { idempotent: true });
    Object.assign(receipt, again);
    render(false);
    if (again.state === 'printed') announce(t('reprinted'));
  }), { id: 'reprint-button' })));
  return box;
}
