import { defineComponent } from '../../utils/define-page';

/**
 * The loading, empty and error states every page shows in place of its content; the error
 * state offers a retry (`bind:retry`). Renders nothing when `status` is `ready`.
 */
defineComponent({
  properties: {
    status: { type: String, value: 'loading' },
    message: { type: String, value: '' },
    emptyText: { type: String, value: 'Nothing here yet.' },
  },
  methods: {
    retry() {
      this.triggerEvent('retry');
    },
  },
});
