/** An unknown cmdlet must never look like a missing object (which would drop a resource from state). */
import { errorFromResponse } from '../../../src/bridge/rest/response-errors';

test('CommandNotFoundException is not a NotFoundError', () => {
  const body = {
    error: {
      code: 'BadRequest',
      message: 'Error executing cmdlet',
      details: [
        {
          code: 'Client',
          target: '',
          message:
            "|System.Management.Automation.CommandNotFoundException|The term 'Get-Nothing' is not recognized as a name of a cmdlet.",
        },
      ],
    },
  };
  const error = errorFromResponse(
    { status: 400, body, headers: {} },
    {
      cmdlet: 'Get-Nothing',
      organization: 'contoso.onmicrosoft.com',
      origin: 'https://outlook.office365.com',
      nowMs: 0,
    },
  );
  expect(error.kind).not.toBe('not-found');
  expect(error.kind).toBe('invalid-input');
});
