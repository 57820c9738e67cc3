export { DEMO_APP, DEMO_MERCHANT, DEMO_MOBILE_APP, DEMO_OA_APP } from './demo-merchant.mjs';
export { DEMO_SERVER_SECRETS, NOWHERE, serverEnv } from './server-env.mjs';
