// The job drawer's quote requests and the company's answers to them (issue 21: staff
// reply from the staff page; GET /api/quotes carries `reply` on an answered quote).
import { list_quotes } from './api.js';

const money = (cents, currency) => `${(cents / 100).toFixed(2)} ${currency}`;

/// Lists the quote requests about `job_id` in the drawer's #drawer-quotes, each with
/// its answer or "Waiting for an answer". Hidden when there are none; a failed load
/// leaves it hidden (the drawer's own error says what failed elsewhere).
export async function render_job_quotes(job_id, is_current) {
  const section = document.getElementById('drawer-quotes');
  const list = document.getElementById('drawer-quote-list');
  section.hidden = true;
  let quotes;
  try {
    quotes = (await list_quotes()).filter((q) => q.job_id === job_id);
  } catch {
    return;
  }
  if (!is_current()) return;
  list.replaceChildren(...quotes.map((q) => {
    const li = document.createElement('li');
    const asked = document.createElement('p');
    asked.textContent = q.description;
    const answer = document.createElement('p');
    answer.className = q.reply ? 'quote-answer' : 'muted';
    answer.textContent = q.reply
      ? `Quote: ${money(q.reply.price_low_cents, q.reply.currency)}–${money(q.reply.price_high_cents, q.reply.currency)}` +
        (q.reply.message ? ` · ${q.reply.message}` : '')
      : 'Waiting for an answer';
    li.append(asked, answer);
    return li;
  }));
  section.hidden = quotes.length === 0;
}
