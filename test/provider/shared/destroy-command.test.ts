/**
 * Which command lines of the process that started the provider are a destroy (destroy-command.ts). That a real
 * `terraform destroy` is recognized from the provider process is checked end to end in
 * test/acceptance/vanished-objects.test.ts; here, the rules on argument lists, and that a provider started by
 * anything else (this test runner) is not under a destroy.
 */
import { isDestroyInvocation, servesDestroyCommand } from '../../../src/provider/shared/destroy-command';

describe('isDestroyInvocation', () => {
  test.each([
    [['terraform', 'destroy']],
    [['terraform', 'destroy', '-auto-approve', '-refresh=false']],
    [['/usr/local/bin/terraform', '-chdir=stacks/contoso', 'destroy']],
    [['terraform', 'apply', '-destroy', '-auto-approve']],
    [['terraform', 'plan', '-input=false', '-destroy=true', '-out=destroy.tfplan']],
    [['terraform', 'apply', '--destroy']],
    [['tofu', 'destroy']],
    [['/home/ci/.tfenv/versions/1.12.2/terraform_1.12.2', 'destroy']],
    [['C:\\tools\\terraform.exe', 'destroy']],
  ])('%j is a destroy', (argv) => {
    expect(isDestroyInvocation(argv)).toBe(true);
  });

  test.each([
    [['terraform', 'apply', '-auto-approve']],
    [['terraform', 'plan']],
    [['terraform', 'apply', 'destroy.tfplan']], // a saved plan, whatever its name: its plan was made before
    [['terraform', 'apply', '-destroy=false']],
    [['terraform', 'apply', '-var', 'mode=destroy']],
    [['terraform', 'import', 'exchangeonline_mailbox_smtp_auth.sean', 'destroy']],
    [['terraform', '-chdir=destroy', 'apply']],
    [['terraform']],
    [['terraform-provider-exchangeonline_v0.2.0', 'destroy']],
    [['node', 'destroy']],
    [['/bin/sh', 'terraform', 'destroy']],
  ])('%j is no destroy', (argv) => {
    expect(isDestroyInvocation(argv)).toBe(false);
  });
});

test('a provider process started by anything but terraform or tofu is not under a destroy', () => {
  // This process's parent is Jest (node): its plan-time lookups keep failing for a missing object.
  expect(servesDestroyCommand()).toBe(false);
});
