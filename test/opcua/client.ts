/**
 * Test helper: a real node-opcua client (the same library family as the server), with its own
 * PKI folder in the test's temp dir (never $HOME), that trusts the server it connects to.
 */
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenType, type ClientSession, type UserIdentityInfo } from 'node-opcua-client';

export interface Connected {
  client: OPCUAClient;
  session: ClientSession;
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** The client's own PKI folder (its certificate is made there on first use). */
  pki: string;
  mode?: MessageSecurityMode;
  policy?: SecurityPolicy;
  user?: { username: string; password: string };
}

export function makeClient(o: ConnectOptions): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'inspectd-test-client',
    endpointMustExist: false,
    securityMode: o.mode ?? MessageSecurityMode.SignAndEncrypt,
    securityPolicy: o.policy ?? (o.mode === MessageSecurityMode.None ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256),
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(o.pki, 'client'), automaticallyAcceptUnknownCertificate: true }),
    // Fail at once instead of retrying: a refused connection is what some tests expect.
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    requestedSessionTimeout: 20_000,
  });
}

export function identity(user?: ConnectOptions['user']): UserIdentityInfo {
  return user ? { type: UserTokenType.UserName, userName: user.username, password: user.password } : { type: UserTokenType.Anonymous };
}

export async function connect(endpointUrl: string, o: ConnectOptions): Promise<Connected> {
  const client = makeClient(o);
  await client.connect(endpointUrl);
  try {
    const session = await client.createSession(identity(o.user));
    return {
      client,
      session,
      async close() {
        await session.close().catch(() => {});
        await client.disconnect();
      },
    };
  } catch (err) {
    await client.disconnect();
    throw err;
  }
}

/** The status code name an OPC UA call failed with ('BadUserAccessDenied', …), or 'no error'. */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    const e = err as { response?: { responseHeader?: { serviceResult?: { name?: string } } }; message?: string };
    return e.response?.responseHeader?.serviceResult?.name ?? e.message ?? String(err);
  }
}
