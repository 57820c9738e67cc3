import { noteAppShow } from './services/receipt-return';
import { runtime } from './services/runtime';

App({
  onLaunch() {
    // Log in at launch so the first page finds a session. A failure here is not shown: the
    // first request logs in again and its page shows the error with a retry.
    runtime()
      .session.token()
      .catch(() => undefined);
  },
  onShow(options) {
    // Back from WeChat's confirm-receipt component: its answer is in referrerInfo.
    noteAppShow(options);
  },
});
