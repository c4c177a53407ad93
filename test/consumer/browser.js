// The page script: trains and leaves the result where the test can read it.
import { Network } from 'simdnet';
import { report } from './report.js';
import { trainXor } from './train-xor.js';

report(trainXor(Network));
