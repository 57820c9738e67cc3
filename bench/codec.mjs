// Codec cases: APIv2 sign, verify, and parse XML + verify of a 20-field payment notification
// (MD5), Fen against tenpay and wechatpay-axios-plugin and against the floor (an md5 of the
// same bytes). Every contender's answers are asserted before and during timing, so a broken
// comparison fails loudly instead of looking fast.
import { hash as oneShotHash, createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { parsePaymentNotification, signV2, verifyV2 } from '@fen/wxpay';
import { MERCHANT, sampleNotification, stringSignTemp } from './lib/fixtures.mjs';
import { compare } from './lib/measure.mjs';

const require = createRequire(import.meta.url);
const Tenpay = require('tenpay');
const { Hash, Transformer } = require('wechatpay-axios-plugin');

/** The cheapest md5 this Node has (the one-shot `crypto.hash` when present): the floor. */
const md5Hex = oneShotHash
  ? (text) => oneShotHash('md5', text)
  : (text) => createHash('md5').update(text, 'utf8').digest('hex');

function expect(condition, message) {
  if (!condition) throw new Error(`codec bench: ${message}`);
}

/** Runs `fn`, expecting it to throw or reject (a refusal); fails when it accepts. */
async function expectRefusal(what, fn) {
  let refused = false;
  try {
    const result = await fn();
    refused = result instanceof Error;
  } catch {
    refused = true;
  }
  expect(refused, `${what} accepted a tampered notification`);
}

/** The peers, configured for the demo merchant. */
function peers() {
  const tenpay = new Tenpay({
    appid: MERCHANT.appId,
    mchid: MERCHANT.mchId,
    partnerKey: MERCHANT.key,
  });
  // The plugin's own response verifier: return_code/result_code, then the sign (constant time).
  const axiosVerify = new Transformer(MERCHANT.mchId, MERCHANT.key).verifier;
  return {
    tenpay,
    tenpaySign: (fields) => tenpay._getSign(fields, 'MD5'),
    // tenpay's notification middleware path: xml2js, return/result codes, appid, mch_id, sign.
    tenpayParseVerify: (xml) => tenpay._parse(xml, 'middleware_pay', 'MD5'),
    axiosSign: (fields) => Hash.sign(Hash.ALGO_MD5, fields, MERCHANT.key),
    axiosVerify: (fields) =>
      Hash.equals(Hash.sign(Hash.ALGO_MD5, fields, MERCHANT.key), fields.sign),
    axiosParseVerify: (xml) => axiosVerify.call({}, Transformer.toObject(xml)),
  };
}

/** Same-run checks that every contender computes the same, correct answers. */
async function checkCorrectness(sample, p) {
  const { fields, xml, sign } = sample;
  const signed = { ...fields, sign };
  const tamperedXml = xml.replace('<total_fee>2990</total_fee>', '<total_fee>1</total_fee>');
  expect(tamperedXml !== xml, 'the tampered notification differs');
  const tampered = { ...signed, total_fee: '1' };

  for (const [name, signer] of [
    ['fen', (f) => signV2(f, MERCHANT.key)],
    ['tenpay', p.tenpaySign],
    ['wechatpay-axios-plugin', p.axiosSign],
  ]) {
    expect(signer(fields) === sign, `${name} sign differs from the reference sign`);
  }
  expect(md5Hex(stringSignTemp(fields, MERCHANT.key)).toUpperCase() === sign, 'floor md5');

  expect(verifyV2(signed, MERCHANT.key) === true, 'fen rejects a valid sign');
  expect(verifyV2(tampered, MERCHANT.key) === false, 'fen accepts a tampered sign');
  expect(p.tenpaySign(signed) === sign && p.tenpaySign(tampered) !== sign, 'tenpay verify');
  expect(p.axiosVerify(signed) === true && p.axiosVerify(tampered) === false, 'axios verify');

  const options = { appId: MERCHANT.appId, mchId: MERCHANT.mchId, key: MERCHANT.key };
  const fen = parsePaymentNotification(xml, options);
  const tenpay = await p.tenpayParseVerify(xml);
  const axios = p.axiosParseVerify(xml);
  for (const [name, parsed] of [
    ['fen', fen],
    ['tenpay', tenpay],
    ['wechatpay-axios-plugin', axios],
  ]) {
    expect(
      !(parsed instanceof Error),
      `${name} refused the valid notification: ${parsed?.message}`,
    );
    expect(parsed.sign === sign, `${name} lost the sign`);
    expect(parsed.attach === fields.attach, `${name} changed the UTF-8 attach field`);
    expect(parsed.total_fee === '2990', `${name} changed total_fee`);
  }
  expect(Object.keys(fen).length === 20, 'fen returns the 20 fields');
  await expectRefusal('fen', () => parsePaymentNotification(tamperedXml, options));
  await expectRefusal('tenpay', () => p.tenpayParseVerify(tamperedXml));
  await expectRefusal('wechatpay-axios-plugin', () => p.axiosParseVerify(tamperedXml));
  // Fen also refuses entity declarations (XXE / billion laughs) before parsing anything.
  await expectRefusal('fen (DOCTYPE)', () =>
    parsePaymentNotification(`<!DOCTYPE xml [<!ENTITY a "b">]>${xml}`, options),
  );
}

/**
 * The three codec cases. Returns `[{case, unit, results: {name: {opsPerSec, rounds}}}]`.
 * @param {{rounds: number, ms: number, warmupMs: number}} plan
 */
export async function runCodec(plan) {
  const sample = sampleNotification();
  const p = peers();
  await checkCorrectness(sample, p);

  const { fields, xml, sign } = sample;
  const signed = { ...fields, sign };
  const canonical = stringSignTemp(fields, MERCHANT.key);
  const lowerSign = sign.toLowerCase();
  const isSign = (r) => expect(r === sign, 'a sign changed during timing');
  const isTrue = (r) => expect(r === true, 'a verification failed during timing');
  const isParsed = (r) =>
    expect(r && !(r instanceof Error) && r.sign === sign, 'a parse failed during timing');
  const options = { appId: MERCHANT.appId, mchId: MERCHANT.mchId, key: MERCHANT.key };
  const floor = {
    name: 'md5 floor',
    fn: () => md5Hex(canonical),
    check: (r) => expect(r === lowerSign, 'the floor md5 changed'),
  };

  const cases = [
    {
      case: 'V2 sign (MD5, 19 fields)',
      contenders: [
        { name: 'fen', fn: () => signV2(fields, MERCHANT.key), check: isSign },
        { name: 'tenpay', fn: () => p.tenpaySign(fields), check: isSign },
        { name: 'wechatpay-axios-plugin', fn: () => p.axiosSign(fields), check: isSign },
        floor,
      ],
    },
    {
      case: 'V2 verify (MD5, 20 fields)',
      contenders: [
        { name: 'fen', fn: () => verifyV2(signed, MERCHANT.key), check: isTrue },
        { name: 'tenpay', fn: () => p.tenpaySign(signed) === sign, check: isTrue },
        { name: 'wechatpay-axios-plugin', fn: () => p.axiosVerify(signed), check: isTrue },
        floor,
      ],
    },
    {
      case: 'parse XML + verify (notification)',
      contenders: [
        { name: 'fen', fn: () => parsePaymentNotification(xml, options), check: isParsed },
        {
          name: 'tenpay',
          fn: () => p.tenpayParseVerify(xml),
          check: isParsed,
          isAsync: true,
        },
        { name: 'wechatpay-axios-plugin', fn: () => p.axiosParseVerify(xml), check: isParsed },
      ],
    },
  ];
  const out = [];
  for (const { case: name, contenders } of cases) {
    out.push({ case: name, unit: 'ops/s', results: await compare(contenders, plan) });
  }
  return out;
}
