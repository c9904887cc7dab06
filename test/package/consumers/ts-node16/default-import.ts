// The package has no default export: under node16 this line must be a compile-time error (TS1192), not a crash.
import obs from 'obs-sse-rules';

console.log(obs);
