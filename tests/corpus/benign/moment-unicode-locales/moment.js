export function locale(name) { return name; }
export default { locale };
