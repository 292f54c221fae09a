/** POST /instances takes no input: the Manager userId and secrets are decided server-side. */
export class CreateInstanceDto {}
