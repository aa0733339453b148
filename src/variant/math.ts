/**
 * The math types: small immutable value classes. Components are plain numbers; on the wire they are
 * float32 (real_t) or int32 for the *i types, so values that float32 cannot hold are rounded when
 * encoded. `equals` compares component by component with Object.is (NaN equals NaN, -0 is not 0).
 */
import { Kind } from "./types.js";

/** Marks a class as a Variant kind (read by the encoder's dispatch, set once on the prototype). */
export function markKind(ctor: { prototype: object }, kind: Kind): void {
  Object.defineProperty(ctor.prototype, "variantKind", { value: kind, enumerable: false });
}

/** 2D vector of real_t (float32 on the wire). */
export class Vector2 {
  declare readonly variantKind: typeof Kind.VECTOR2;
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  equals(o: Vector2): boolean {
    return o instanceof Vector2 && Object.is(this.x, o.x) && Object.is(this.y, o.y);
  }
  toString(): string {
    return `Vector2(${this.x}, ${this.y})`;
  }
}
markKind(Vector2, Kind.VECTOR2);

/** 2D vector of int32 (Godot 4). */
export class Vector2i {
  declare readonly variantKind: typeof Kind.VECTOR2I;
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  equals(o: Vector2i): boolean {
    return o instanceof Vector2i && Object.is(this.x, o.x) && Object.is(this.y, o.y);
  }
  toString(): string {
    return `Vector2i(${this.x}, ${this.y})`;
  }
}
markKind(Vector2i, Kind.VECTOR2I);

/** Axis-aligned 2D rectangle. */
export class Rect2 {
  declare readonly variantKind: typeof Kind.RECT2;
  constructor(
    readonly position: Vector2,
    readonly size: Vector2,
  ) {}
  equals(o: Rect2): boolean {
    return o instanceof Rect2 && this.position.equals(o.position) && this.size.equals(o.size);
  }
  toString(): string {
    return `Rect2(${this.position}, ${this.size})`;
  }
}
markKind(Rect2, Kind.RECT2);

/** Axis-aligned 2D rectangle of int32 (Godot 4). */
export class Rect2i {
  declare readonly variantKind: typeof Kind.RECT2I;
  constructor(
    readonly position: Vector2i,
    readonly size: Vector2i,
  ) {}
  equals(o: Rect2i): boolean {
    return o instanceof Rect2i && this.position.equals(o.position) && this.size.equals(o.size);
  }
  toString(): string {
    return `Rect2i(${this.position}, ${this.size})`;
  }
}
markKind(Rect2i, Kind.RECT2I);

/** 3D vector of real_t. */
export class Vector3 {
  declare readonly variantKind: typeof Kind.VECTOR3;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
  ) {}
  equals(o: Vector3): boolean {
    return o instanceof Vector3 && Object.is(this.x, o.x) && Object.is(this.y, o.y) && Object.is(this.z, o.z);
  }
  toString(): string {
    return `Vector3(${this.x}, ${this.y}, ${this.z})`;
  }
}
markKind(Vector3, Kind.VECTOR3);

/** 3D vector of int32 (Godot 4). */
export class Vector3i {
  declare readonly variantKind: typeof Kind.VECTOR3I;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
  ) {}
  equals(o: Vector3i): boolean {
    return (
      o instanceof Vector3i && Object.is(this.x, o.x) && Object.is(this.y, o.y) && Object.is(this.z, o.z)
    );
  }
  toString(): string {
    return `Vector3i(${this.x}, ${this.y}, ${this.z})`;
  }
}
markKind(Vector3i, Kind.VECTOR3I);

/** 2D affine transform: basis columns x, y and the origin, written in that order. */
export class Transform2D {
  declare readonly variantKind: typeof Kind.TRANSFORM2D;
  constructor(
    readonly x: Vector2,
    readonly y: Vector2,
    readonly origin: Vector2,
  ) {}
  equals(o: Transform2D): boolean {
    return (
      o instanceof Transform2D && this.x.equals(o.x) && this.y.equals(o.y) && this.origin.equals(o.origin)
    );
  }
  toString(): string {
    return `Transform2D(${this.x}, ${this.y}, ${this.origin})`;
  }
}
markKind(Transform2D, Kind.TRANSFORM2D);

/** 4D vector of real_t (Godot 4). */
export class Vector4 {
  declare readonly variantKind: typeof Kind.VECTOR4;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}
  equals(o: Vector4): boolean {
    return (
      o instanceof Vector4 &&
      Object.is(this.x, o.x) &&
      Object.is(this.y, o.y) &&
      Object.is(this.z, o.z) &&
      Object.is(this.w, o.w)
    );
  }
  toString(): string {
    return `Vector4(${this.x}, ${this.y}, ${this.z}, ${this.w})`;
  }
}
markKind(Vector4, Kind.VECTOR4);

/** 4D vector of int32 (Godot 4). */
export class Vector4i {
  declare readonly variantKind: typeof Kind.VECTOR4I;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}
  equals(o: Vector4i): boolean {
    return (
      o instanceof Vector4i &&
      Object.is(this.x, o.x) &&
      Object.is(this.y, o.y) &&
      Object.is(this.z, o.z) &&
      Object.is(this.w, o.w)
    );
  }
  toString(): string {
    return `Vector4i(${this.x}, ${this.y}, ${this.z}, ${this.w})`;
  }
}
markKind(Vector4i, Kind.VECTOR4I);

/** Plane: normal (x, y, z) and distance d, as in Godot's Plane(a, b, c, d). */
export class Plane {
  declare readonly variantKind: typeof Kind.PLANE;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly d: number,
  ) {}
  equals(o: Plane): boolean {
    return (
      o instanceof Plane &&
      Object.is(this.x, o.x) &&
      Object.is(this.y, o.y) &&
      Object.is(this.z, o.z) &&
      Object.is(this.d, o.d)
    );
  }
  toString(): string {
    return `Plane(${this.x}, ${this.y}, ${this.z}, ${this.d})`;
  }
}
markKind(Plane, Kind.PLANE);

/** Quaternion (Godot 3's Quat). */
export class Quaternion {
  declare readonly variantKind: typeof Kind.QUATERNION;
  constructor(
    readonly x: number,
    readonly y: number,
    readonly z: number,
    readonly w: number,
  ) {}
  equals(o: Quaternion): boolean {
    return (
      o instanceof Quaternion &&
      Object.is(this.x, o.x) &&
      Object.is(this.y, o.y) &&
      Object.is(this.z, o.z) &&
      Object.is(this.w, o.w)
    );
  }
  toString(): string {
    return `Quaternion(${this.x}, ${this.y}, ${this.z}, ${this.w})`;
  }
}
markKind(Quaternion, Kind.QUATERNION);

/** Axis-aligned 3D box. */
export class AABB {
  declare readonly variantKind: typeof Kind.AABB;
  constructor(
    readonly position: Vector3,
    readonly size: Vector3,
  ) {}
  equals(o: AABB): boolean {
    return o instanceof AABB && this.position.equals(o.position) && this.size.equals(o.size);
  }
  toString(): string {
    return `AABB(${this.position}, ${this.size})`;
  }
}
markKind(AABB, Kind.AABB);

/** 3x3 matrix as its columns x, y, z (GDScript's Basis(x, y, z)). The wire holds it row by row. */
export class Basis {
  declare readonly variantKind: typeof Kind.BASIS;
  constructor(
    readonly x: Vector3,
    readonly y: Vector3,
    readonly z: Vector3,
  ) {}
  equals(o: Basis): boolean {
    return o instanceof Basis && this.x.equals(o.x) && this.y.equals(o.y) && this.z.equals(o.z);
  }
  toString(): string {
    return `Basis(${this.x}, ${this.y}, ${this.z})`;
  }
}
markKind(Basis, Kind.BASIS);

/** 3D affine transform (Godot 3's Transform). */
export class Transform3D {
  declare readonly variantKind: typeof Kind.TRANSFORM3D;
  constructor(
    readonly basis: Basis,
    readonly origin: Vector3,
  ) {}
  equals(o: Transform3D): boolean {
    return o instanceof Transform3D && this.basis.equals(o.basis) && this.origin.equals(o.origin);
  }
  toString(): string {
    return `Transform3D(${this.basis}, ${this.origin})`;
  }
}
markKind(Transform3D, Kind.TRANSFORM3D);

/** 4x4 matrix as its columns x, y, z, w (Godot 4), written column by column. */
export class Projection {
  declare readonly variantKind: typeof Kind.PROJECTION;
  constructor(
    readonly x: Vector4,
    readonly y: Vector4,
    readonly z: Vector4,
    readonly w: Vector4,
  ) {}
  equals(o: Projection): boolean {
    return (
      o instanceof Projection &&
      this.x.equals(o.x) &&
      this.y.equals(o.y) &&
      this.z.equals(o.z) &&
      this.w.equals(o.w)
    );
  }
  toString(): string {
    return `Projection(${this.x}, ${this.y}, ${this.z}, ${this.w})`;
  }
}
markKind(Projection, Kind.PROJECTION);

/** RGBA color; always float32 on the wire, even in double builds. */
export class Color {
  declare readonly variantKind: typeof Kind.COLOR;
  constructor(
    readonly r: number,
    readonly g: number,
    readonly b: number,
    readonly a: number,
  ) {}
  equals(o: Color): boolean {
    return (
      o instanceof Color &&
      Object.is(this.r, o.r) &&
      Object.is(this.g, o.g) &&
      Object.is(this.b, o.b) &&
      Object.is(this.a, o.a)
    );
  }
  toString(): string {
    return `Color(${this.r}, ${this.g}, ${this.b}, ${this.a})`;
  }
}
markKind(Color, Kind.COLOR);

/** Godot 3 names for the same classes. */
export { Quaternion as Quat, Transform3D as Transform };
