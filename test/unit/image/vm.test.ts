import { expect, test } from '@jest/globals';
import { LineSink } from '../../../shared/image/vm.js';

test('LineSink joins chunks into whole lines', () => {
  const lines: string[] = [];
  const sink = new LineSink((line) => lines.push(line));
  sink.write('one\ntw');
  sink.write('o\r\nthr');
  expect(lines).toEqual(['one', 'two']);
  sink.flush();
  expect(lines).toEqual(['one', 'two', 'thr']);
});
