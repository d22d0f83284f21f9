import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contrast, luminance, parseHex, textColourOn } from '../src/colour.js';

test('colours parse in every hex form; anything else is null', () => {
  assert.deepEqual(parseHex('#abc'), [0xaa, 0xbb, 0xcc]);
  assert.deepEqual(parseHex('#3b82f6'), [0x3b, 0x82, 0xf6]);
  assert.deepEqual(parseHex('#3b82f680'), [0x3b, 0x82, 0xf6]);
  for (const bad of ['red', '#12', '#gggggg', '', null, 'url(x)']) assert.equal(parseHex(bad), null);
});

test('the text on a picked colour is black or white, whichever keeps WCAG AA (4.5:1)', () => {
  assert.equal(textColourOn('#ffffff'), '#000000');
  assert.equal(textColourOn('#000000'), '#ffffff');
  assert.equal(textColourOn('#ffff00'), '#000000'); // yellow
  assert.equal(textColourOn('#1d4ed8'), '#ffffff'); // dark blue
  assert.equal(textColourOn('nope'), '#ffffff');
  // Every grey and every pure hue gets at least AA from one of the two.
  const samples = [];
  for (let v = 0; v <= 255; v += 5) samples.push([v, v, v], [v, 0, 0], [0, v, 0], [0, 0, v], [255, v, 0], [0, 255, v]);
  assert.ok(samples.length > 0);
  for (const rgb of samples) {
    const hex = `#${rgb.map((c) => c.toString(16).padStart(2, '0')).join('')}`;
    const text = textColourOn(hex) === '#000000' ? 0 : 1;
    assert.ok(contrast(luminance(rgb), text) >= 4.5, `${hex} on ${textColourOn(hex)}`);
  }
});
