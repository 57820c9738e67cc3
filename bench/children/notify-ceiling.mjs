// The ceiling for POST /wxpay/notify: a bare Koa endpoint that does only the conditional
// findOneAndUpdate the server makes to move an order PENDING → PAID, on the same database, with
// the same write concern — no parsing beyond finding out_trade_no, no signature, no event log.
//
//   MONGODB_URI=… PORT=… node notify-ceiling.mjs     (sends {url} over IPC when listening)
import Koa from 'koa';
import mongoose from 'mongoose';

export const CEILING_COLLECTION = 'bench_ceiling_orders';

const connection = await mongoose
  .createConnection(process.env.MONGODB_URI, { bufferCommands: false })
  .asPromise();
const orders = connection.db.collection(CEILING_COLLECTION);
const DURABLE = { w: 'majority', j: true };
const OUT_TRADE_NO = /<out_trade_no>(?:<!\[CDATA\[)?([^<\]]+)/;
const TRANSACTION_ID = /<transaction_id>(?:<!\[CDATA\[)?([^<\]]+)/;
const reply = (ok) =>
  `<xml><return_code><![CDATA[${ok ? 'SUCCESS' : 'FAIL'}]]></return_code><return_msg><![CDATA[${ok ? 'OK' : 'FAIL'}]]></return_msg></xml>`;

const app = new Koa();
app.use(async (ctx) => {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  const body = Buffer.concat(chunks).toString('utf8');
  const outTradeNo = OUT_TRADE_NO.exec(body)?.[1];
  const transactionId = TRANSACTION_ID.exec(body)?.[1] ?? '';
  const now = new Date();
  // The same update as the server's orders.transition(PENDING → PAID).
  const moved = outTradeNo
    ? await orders.findOneAndUpdate(
        { outTradeNo, status: { $in: ['PENDING'] } },
        {
          $set: { transactionId, paidAt: now, paidBy: `PAY:${transactionId}`, status: 'PAID' },
          $addToSet: {
            timeline: { at: now, kind: 'PAID', detail: `transaction ${transactionId}` },
          },
        },
        { returnDocument: 'after', writeConcern: DURABLE },
      )
    : null;
  ctx.status = 200;
  ctx.type = 'text/xml';
  ctx.body = reply(moved !== null);
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ url: `http://127.0.0.1:${server.address().port}` });
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    connection.close().finally(() => process.exit(0));
  });
}
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
