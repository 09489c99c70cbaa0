import { isSameCloudHost, toPublicPort } from '../../../src/bridge/rest/hosts';

describe('isSameCloudHost: where the bearer token may go', () => {
  const commercial = new URL('https://outlook.office365.com');
  const gccHigh = new URL('https://outlook.office365.us');

  it.each([
    ['https://outlook.office365.com/adminapi/beta/t/InvokeCommand', true],
    ['https://nam12b.outlook.office365.com/adminapi/beta/t/InvokeCommand', true],
    ['https://OUTLOOK.office365.com:443/x', true],
    ['http://outlook.office365.com/x', false],
    ['https://outlook.office365.com:8443/x', false],
    ['https://outlook.office365.com.evil.example/x', false],
    ['https://evil-outlook.office365.com/x', false],
    ['https://outlook.office365.us/x', false],
    ['https://user:pw@outlook.office365.com/x', false],
  ])('commercial endpoint: %s → %p', (url, expected) => {
    expect(isSameCloudHost(new URL(url), commercial)).toBe(expected);
  });

  it('takes the configured endpoint, so another cloud has its own hosts', () => {
    expect(isSameCloudHost(new URL('https://tenant.outlook.office365.us/x'), gccHigh)).toBe(true);
    expect(isSameCloudHost(new URL('https://outlook.office365.com/x'), gccHigh)).toBe(false);
  });

  it('a loopback endpoint (an emulator) accepts other loopback addresses on its port only', () => {
    const emulator = new URL('http://127.0.0.1:4321');
    expect(isSameCloudHost(new URL('http://127.0.0.2:4321/x'), emulator)).toBe(true);
    expect(isSameCloudHost(new URL('http://127.0.0.2:4322/x'), emulator)).toBe(false);
    expect(isSameCloudHost(new URL('http://10.0.0.2:4321/x'), emulator)).toBe(false);
  });
});

describe('toPublicPort', () => {
  it('rewrites the internal port 446 to the port the page was requested on, and resolves relative links', () => {
    expect(
      toPublicPort('https://outlook.office365.com:446/a?$skiptoken=1', new URL('https://outlook.office365.com/x')).href,
    ).toBe('https://outlook.office365.com/a?$skiptoken=1');
    expect(toPublicPort('http://127.0.0.2:446/a', new URL('http://127.0.0.2:4321/x')).href).toBe(
      'http://127.0.0.2:4321/a',
    );
    expect(toPublicPort('/a?b=1', new URL('https://nam.outlook.office365.com/x')).href).toBe(
      'https://nam.outlook.office365.com/a?b=1',
    );
    expect(toPublicPort('https://outlook.office365.com:8443/a', new URL('https://outlook.office365.com/x')).port).toBe(
      '8443',
    );
  });
});
