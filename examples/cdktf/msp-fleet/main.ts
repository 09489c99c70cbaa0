/**
 * An MSP's fleet: every tenant in fleet.yaml becomes its own stack (fleet-w<wave>-<tenant>), with its own provider
 * configuration and its own state file, and the SMTP AUTH baseline with the tenant's allow list.
 *
 *   npx cdktf deploy 'fleet-*' --auto-approve --skip-provider-lock     every wave, canaries (wave 0) first
 *   npx cdktf deploy 'fleet-w0-*' --auto-approve --skip-provider-lock  only wave 0
 *
 * Credentials are references: export TF_VAR_contoso_exo_token etc. (see fleet.yaml) before deploying.
 * EXOFORM_FLEET_FILE picks another fleet file.
 */
import { join } from 'node:path';
import { App } from 'cdktf';
import { TenantFleet } from '../../../constructs';

const app = new App();
TenantFleet.fromFile(app, 'fleet', process.env.EXOFORM_FLEET_FILE ?? join(__dirname, 'fleet.yaml'));
app.synth();
